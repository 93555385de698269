#include "support.hpp"

#include <fcntl.h>
#include <gdal_priv.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace lssr::test {

TempDir::TempDir() {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        path_ = fs::temp_directory_path() / ("lssr-test-" + std::to_string(rd()));
        if (fs::create_directory(path_)) return;
    }
    throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

RunResult run_tool(const std::string& tool, const std::vector<std::string>& args,
                   const std::string& stdin_text) {
    auto it = kTools.find(tool);
    if (it == kTools.end()) throw std::runtime_error("unknown tool " + tool);
    TempDir io;
    const fs::path in = io.path() / "stdin", out = io.path() / "stdout", err = io.path() / "stderr";
    std::ofstream(in, std::ios::binary) << stdin_text;
    const pid_t pid = fork();
    if (pid == 0) {
        const int fi = open(in.c_str(), O_RDONLY);
        const int fo = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int fe = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fi, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(it->second.c_str()));
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
}

std::string data_path(const std::string& relative) { return kTestData + "/" + relative; }

io::Grid utm_grid(int width, int height, double pixel, double origin_x, double origin_y, int epsg) {
    io::Grid g;
    g.crs_wkt = io::crs_from_user_input("EPSG:" + std::to_string(epsg));
    g.transform = {origin_x, pixel, 0, origin_y, 0, -pixel};
    g.width = width;
    g.height = height;
    return g;
}

std::vector<std::string> list_files(const fs::path& dir) {
    std::vector<std::string> files;
    if (!fs::exists(dir)) return files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) files.push_back(fs::relative(e.path(), dir).string());
    std::sort(files.begin(), files.end());
    return files;
}

RasterFile read_raster_file(const std::string& path) {
    auto ds = io::open_raster(path);
    RasterFile r;
    r.grid = io::grid_of(*ds, path);
    std::vector<int> bands;
    for (int b = 1; b <= ds->GetRasterCount(); ++b) {
        bands.push_back(b);
        r.descriptions.push_back(ds->GetRasterBand(b)->GetDescription());
    }
    r.type = ds->GetRasterBand(1)->GetRasterDataType();
    int has = 0;
    r.nodata = ds->GetRasterBand(1)->GetNoDataValue(&has);
    r.has_nodata = has != 0;
    r.values = io::read_block(*ds, bands, io::Window{0, 0, r.grid.width, r.grid.height}, path);
    if (char** md = ds->GetMetadata())
        for (; *md; ++md) {
            const std::string kv = *md;
            const auto eq = kv.find('=');
            if (eq != std::string::npos) r.metadata[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
    return r;
}

}  // namespace lssr::test
