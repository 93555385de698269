#include "apps/common/tool.hpp"

#include <gdal.h>
#include <cpl_conv.h>
#include <malloc.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "apps/common/version.hpp"
#include "libio/core/error_text.hpp"
#include "libio/gdal/gdal_dataset.hpp"

namespace lssr::app {
namespace {

std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) {
    // Second signal: give up at once with the default action.
    if (g_signal.exchange(sig) != 0) {
        std::signal(sig, SIG_DFL);
        std::raise(sig);
    }
}

// GDAL names -of, -co, -ot with one dash; CLI11 reads one-dash names as bundles
// of single letters, so rewrite them to their two-dash spelling before parsing.
std::vector<std::string> normalise_gdal_flags(int argc, char** argv) {
    static const char* single_dash[] = {"-of", "-co", "-ot", "-oo", "-tr", "-te", "-wo"};
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        for (const char* flag : single_dash)
            if (a == flag) a = std::string("-") + flag;
        args.push_back(a);
    }
    return args;
}

class TermProgress {
public:
    bool operator()(double fraction, std::string_view) {
        std::lock_guard<std::mutex> lock(mutex_);
        const int target = static_cast<int>(fraction * 40.0 + 1e-9);
        while (last_ < target) {
            ++last_;
            if (last_ % 4 == 0) std::fprintf(stderr, "%d", last_ / 4 * 10);
            else std::fputc('.', stderr);
            if (last_ == 40) std::fputs(" - done.\n", stderr);
        }
        std::fflush(stderr);
        return g_signal.load() == 0;
    }

private:
    std::mutex mutex_;
    int last_ = -1;  // first call prints "0"
};

}  // namespace

std::string version_string(const std::string& tool) {
    return tool + " " + kVersion + " (LSSR suite; GDAL " + GDALVersionInfo("RELEASE_NAME") + ")";
}

Tool::Tool(std::string name, std::string description)
    : name_(std::move(name)), app_(std::move(description), name_) {
    // The model tools allocate and free buffers of several MB per tile. glibc
    // would hand each back to the kernel and fault it in again on the next tile
    // (half of lssr-upscale's time went to the kernel); keep them for reuse.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    app_.set_version_flag("--version", version_string(name_), "Print the version and exit");
    app_.add_flag("-q,--quiet", common_.quiet, "Suppress progress and informational messages");
    app_.add_option("--threads", common_.threads, "Worker threads (default: all cores)")
        ->check(CLI::NonNegativeNumber);
    app_.add_option("--config", common_.config, "Set a GDAL configuration option, KEY VALUE (repeatable)")
        ->type_size(2)
        ->allow_extra_args(false)
        ->type_name("KEY VALUE");
    app_.add_flag("--debug", common_.debug, "Show GDAL messages and error details");
    app_.get_formatter()->column_width(34);
}

void Tool::add_output_flags(OutputFlags& flags, bool with_data_type) {
    app_.add_option("--of", flags.format, "Output format, a GDAL driver (also -of; default GTiff; COG)")
        ->type_name("FORMAT");
    app_.add_option("--co", flags.creation_options, "Creation option KEY=VALUE, repeatable (also -co)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    if (with_data_type)
        app_.add_option("--ot", flags.data_type,
                        "Output data type: Byte, Int16, UInt16, Int32, UInt32, Float32, Float64 (also -ot)")
            ->type_name("TYPE");
}

void Tool::add_overwrite_flag() {
    app_.add_flag("--overwrite", common_.overwrite, "Replace existing outputs");
}

io::OutputOptions Tool::output_options(const OutputFlags& flags) const {
    io::OutputOptions out;
    out.format = flags.format;
    out.creation_options = flags.creation_options;
    out.overwrite = common_.overwrite;
    return out;
}

int Tool::run(int argc, char** argv, const std::function<int()>& body) {
    std::vector<std::string> args = normalise_gdal_flags(argc, argv);
    std::reverse(args.begin(), args.end());  // CLI11 takes them reversed
    try {
        app_.parse(args);
    } catch (const CLI::CallForHelp& e) {
        return app_.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app_.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app_.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << name_ << ": error: " << e.what() << "\n"
                  << "Run '" << name_ << " --help' for usage.\n";
        return 2;
    }

    io::ensure_gdal_registered();
    for (size_t i = 0; i + 1 < common_.config.size(); i += 2)
        CPLSetConfigOption(common_.config[i].c_str(), common_.config[i + 1].c_str());
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const int threads = common_.threads > 0 ? common_.threads : static_cast<int>(cores);
    if (!CPLGetConfigOption("GDAL_NUM_THREADS", nullptr))
        CPLSetConfigOption("GDAL_NUM_THREADS", std::to_string(threads).c_str());
    common_.threads = threads;
    // The tools stream block by block; GDAL's default block cache (5% of RAM)
    // would only make memory grow with scene size. Users can still set it.
    if (!CPLGetConfigOption("GDAL_CACHEMAX", nullptr)) GDALSetCacheMax64(gdal_cache_default_);

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    std::unique_ptr<io::QuietGdalErrors> quiet;
    if (!common_.debug) quiet = std::make_unique<io::QuietGdalErrors>();
    else CPLSetConfigOption("CPL_DEBUG", "ON");

    // One line always; with --debug the full text follows (LibTorch's C++
    // backtrace, GDAL's whole message).
    auto report = [&](const std::string& message, const std::string& details) {
        const std::string line = one_line(message);
        std::cerr << name_ << ": error: " << line << "\n";
        const std::string& full = details.empty() ? message : details;
        if (common_.debug && full != line) std::cerr << full << "\n";
    };
    try {
        return body();
    } catch (const OptionError& e) {
        report(e.what(), {});
        return 2;
    } catch (const Cancelled&) {
        std::cerr << "\n" << name_ << ": error: interrupted; no output was written\n";
        return 1;
    } catch (const std::bad_alloc&) {
        std::cerr << name_ << ": error: out of memory\n";
        return 1;
    } catch (const Error& e) {
        const auto* detailed = dynamic_cast<const DetailedInputError*>(&e);
        report(e.what(), detailed ? detailed->details() : std::string());
        return 1;
    } catch (const std::exception& e) {
        report(e.what(), {});
        return 1;
    } catch (...) {
        std::cerr << name_ << ": error: unexpected internal error\n";
        return 1;
    }
}

Progress Tool::progress() {
    if (common_.quiet)
        return [](double, std::string_view) { return g_signal.load() == 0; };
    auto bar = std::make_shared<TermProgress>();
    return [bar](double fraction, std::string_view message) { return (*bar)(fraction, message); };
}

void Tool::warn(const std::string& message) const {
    std::cerr << name_ << ": warning: " << message << "\n";
}

void Tool::info(const std::string& message) const {
    if (!common_.quiet) std::cerr << name_ << ": " << message << "\n";
}

std::vector<std::string> expand_stdin_inputs(const std::vector<std::string>& inputs) {
    std::vector<std::string> out;
    bool stdin_read = false;
    for (const auto& input : inputs) {
        if (input != "-") {
            out.push_back(input);
            continue;
        }
        if (stdin_read) continue;
        stdin_read = true;
        std::string line;
        int number = 0;
        while (std::getline(std::cin, line)) {
            ++number;
            // A path cannot hold NUL: such a list (find -print0) would pass only its first path.
            if (line.find('\0') != std::string::npos)
                throw InputError("<stdin>:" + std::to_string(number) +
                                 ": the input list holds NUL bytes; give one path per line (find -print, not -print0)");
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
            if (line.empty() || line[0] == '#') continue;
            out.push_back(line);
        }
    }
    return out;
}

}  // namespace lssr::app
