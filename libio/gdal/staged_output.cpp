#include "libio/gdal/staged_output.hpp"

#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>  // program_invocation_short_name (glibc)
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"

namespace fs = std::filesystem;

namespace lssr::io {
namespace {

std::string unique_suffix() {
    static std::atomic<int> counter{0};
    return ".lssr-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

bool is_local(const std::string& path) { return path.rfind("/vsi", 0) != 0; }

void remove_quietly(const std::string& path) {
    if (path.empty()) return;
    if (is_local(path)) {
        std::error_code ec;
        fs::remove_all(path, ec);
    } else {
        VSIUnlink(path.c_str());
    }
}

// ---- outputs apart from inputs ----

fs::path resolved(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
    return ec ? fs::absolute(path).lexically_normal() : p;
}

// True when `inner` lies strictly below `outer` (both resolved).
bool is_below(const fs::path& inner, const fs::path& outer) {
    auto i = inner.begin();
    for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
        if (o->empty()) continue;  // trailing separator
        if (i == inner.end() || *i != *o) return false;
    }
    return i != inner.end() && !i->empty();
}

bool same_file(const std::string& a, const fs::path& ra, const std::string& b, const fs::path& rb) {
    if (ra == rb) return true;
    std::error_code ec;
    return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

bool skipped(const std::string& path) { return path.empty() || path == "-"; }

// ---- folders the suite wrote ----

std::string program_name() {
    const char* name = program_invocation_short_name;
    return name && *name ? name : "lssr";
}

// Every entry below `dir` that is not a folder, as paths relative to it.
std::vector<std::string> files_below(const fs::path& dir) {
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it)
        if (!it->is_directory() || it->is_symlink())
            files.push_back(fs::relative(it->path(), dir).generic_string());
    std::sort(files.begin(), files.end());
    return files;
}

void write_marker(const fs::path& dir) {
    nlohmann::json marker;
    marker["tool"] = program_name();
    marker["files"] = files_below(dir);
    std::ofstream out(dir / kOutputMarker, std::ios::binary);
    out << marker.dump(1) << "\n";
    if (!out) throw OutputError((dir / kOutputMarker).string() + ": cannot write");
}

// Why an existing non-empty `dir` must not be replaced by this program, or "".
std::string why_not_replaceable(const std::string& dir) {
    const std::string me = program_name();
    const std::string rule = " (--overwrite replaces only a folder " + me + " wrote)";
    if (!fs::is_directory(dir)) return "not replaced: it is not a folder" + rule;
    std::ifstream in(fs::path(dir) / kOutputMarker, std::ios::binary);
    nlohmann::json marker = nlohmann::json::parse(in, nullptr, false);
    if (!in || marker.is_discarded() || !marker.is_object() || !marker.contains("files") ||
        !marker["files"].is_array())
        return "not replaced: it has no " + std::string(kOutputMarker) + " marker" + rule;
    const std::string writer = marker.value("tool", std::string());
    if (writer != me) return "not replaced: it was written by " + writer + rule;
    std::set<std::string> written;
    for (const auto& f : marker["files"])
        if (f.is_string()) written.insert(f.get<std::string>());
    for (const std::string& f : files_below(dir))
        if (f != kOutputMarker && !written.count(f))
            return "not replaced: it holds " + f + ", which " + me + " did not write" + rule;
    return "";
}

bool exists_non_empty(const std::string& path) {
    return fs::exists(path) && !(fs::is_directory(path) && fs::is_empty(path));
}

void check_directory_replaceable(const std::string& dir, bool overwrite) {
    if (!exists_non_empty(dir)) return;
    if (!overwrite) throw OutputError(dir + ": already exists (use --overwrite to replace it)");
    const std::string why = why_not_replaceable(dir);
    if (!why.empty()) throw OutputError(dir + ": " + why);
}

// The files GDAL lists for the raster at `path` ("" when it does not open).
std::vector<std::string> gdal_file_list(const std::string& path) {
    ensure_gdal_registered();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
    CPLPopErrorHandler();
    std::vector<std::string> files;
    if (!ds) return files;
    char** list = GDALGetFileList(ds);
    for (char** f = list; f && *f; ++f) files.emplace_back(*f);
    CSLDestroy(list);
    GDALClose(ds);
    return files;
}

}  // namespace

void check_can_write(const std::string& path, bool overwrite) {
    if (!overwrite && path_exists(path))
        throw OutputError(path + ": already exists (use --overwrite to replace it)");
    if (is_local(path)) {
        const fs::path parent = fs::path(path).parent_path();
        if (!parent.empty() && !fs::is_directory(parent))
            throw OutputError(path + ": folder " + parent.string() + " does not exist");
    }
}

void check_outputs_apart(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs,
                         bool outputs_may_sit_in_input_folders) {
    std::vector<std::pair<std::string, fs::path>> seen;
    for (const std::string& out : outputs) {
        if (skipped(out)) continue;
        const bool local_out = is_local(out);
        const fs::path rout = local_out ? resolved(out) : fs::path(out);
        for (const auto& [other, rother] : seen)
            if (local_out ? same_file(out, rout, other, rother) : out == other)
                throw OptionError(out + ": is also another output (" + other + ")");
        seen.emplace_back(out, rout);
        for (const std::string& in : inputs) {
            if (skipped(in)) continue;
            if (!local_out || !is_local(in)) {
                if (out == in) throw OptionError(out + ": is also an input (" + in + ")");
                continue;
            }
            const fs::path rin = resolved(in);
            if (same_file(out, rout, in, rin)) throw OptionError(out + ": is also an input (" + in + ")");
            if (is_below(rin, rout)) throw OptionError(out + ": contains the input " + in);
            std::error_code ec;
            if (!outputs_may_sit_in_input_folders && fs::is_directory(rin, ec) && is_below(rout, rin))
                throw OptionError(out + ": is inside the input folder " + in);
        }
    }
}

std::string temporary_sibling(const std::string& final_path) {
    const fs::path p(final_path);
    const std::string name = "." + p.stem().string() + unique_suffix() + p.extension().string();
    return (p.parent_path() / name).string();
}

void commit_all(const std::vector<std::unique_ptr<StagedOutput>>& outputs) {
    for (const auto& o : outputs) o->check_commit();
    for (const auto& o : outputs) o->commit();
}

// ---- StagedFile ----

StagedFile::StagedFile(std::string final_path, bool overwrite)
    : final_(std::move(final_path)), overwrite_(overwrite) {
    check_can_write(final_, overwrite_);
    temp_ = temporary_sibling(final_);
}

StagedFile::~StagedFile() {
    if (!committed_) remove_quietly(temp_);
}

void StagedFile::check_commit() const { check_can_write(final_, overwrite_); }

void StagedFile::commit() {
    if (committed_) return;
    check_commit();  // something may have appeared meanwhile
    if (VSIRename(temp_.c_str(), final_.c_str()) != 0)
        throw OutputError(final_ + ": cannot move the finished file into place");
    committed_ = true;
}

// ---- StagedRaster ----

StagedRaster::StagedRaster(std::string final_path, bool overwrite)
    : final_(std::move(final_path)), overwrite_(overwrite) {
    check_can_write(final_, overwrite_);
    if (!is_local(final_)) {
        temp_ = temporary_sibling(final_);
        return;
    }
    const fs::path p(final_);
    folder_ = (p.parent_path() / ("." + p.filename().string() + unique_suffix())).string();
    std::error_code ec;
    fs::create_directories(fs::path(folder_) / ".work", ec);
    if (ec) throw OutputError(final_ + ": cannot create a working folder: " + ec.message());
    temp_ = (fs::path(folder_) / p.filename()).string();
}

StagedRaster::~StagedRaster() {
    if (!committed_) remove_quietly(folder_.empty() ? temp_ : folder_);
}

std::string StagedRaster::work_folder() const {
    return folder_.empty() ? std::string() : (fs::path(folder_) / ".work").string();
}

void StagedRaster::check_commit() const {
    if (folder_.empty()) {
        check_can_write(final_, overwrite_);
        return;
    }
    const fs::path parent = fs::path(final_).parent_path();
    for (const auto& entry : fs::directory_iterator(folder_))
        if (!entry.is_directory()) check_can_write((parent / entry.path().filename()).string(), overwrite_);
}

void StagedRaster::commit() {
    if (committed_) return;
    check_commit();
    if (folder_.empty()) {
        if (VSIRename(temp_.c_str(), final_.c_str()) != 0)
            throw OutputError(final_ + ": cannot move the finished file into place");
        committed_ = true;
        return;
    }
    const fs::path final_file(final_);
    const fs::path parent = final_file.parent_path();
    const std::string main_name = final_file.filename().string();
    std::error_code ec;
    fs::remove_all(work_folder(), ec);
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder_)) names.insert(entry.path().filename().string());
    if (!names.count(main_name)) throw OutputError(final_ + ": the driver wrote no file of that name");

    // Sidecars of the raster being replaced that the new one lacks would be read
    // with the new data (an old .aux.xml's CRS or statistics): remove them. Only
    // files of this stem in this folder, as GDAL lists them.
    if (overwrite_ && fs::exists(final_file)) {
        const std::string stem = final_file.stem().string() + ".";
        for (const std::string& f : gdal_file_list(final_)) {
            const fs::path old(f);
            const std::string name = old.filename().string();
            if (fs::equivalent(old.parent_path().empty() ? "." : old.parent_path(),
                               parent.empty() ? "." : parent, ec) &&
                name != main_name && name.rfind(stem, 0) == 0 && !names.count(name))
                fs::remove(old, ec);
        }
    }
    // Sidecars first, the main file last: once it is in place, all of it is.
    names.erase(main_name);
    for (const std::string& name : names) {
        fs::rename(fs::path(folder_) / name, parent / name, ec);
        if (ec) throw OutputError((parent / name).string() + ": cannot move the finished file into place: " + ec.message());
    }
    fs::rename(temp_, final_file, ec);
    if (ec) throw OutputError(final_ + ": cannot move the finished file into place: " + ec.message());
    committed_ = true;
    fs::remove_all(folder_, ec);
}

// ---- StagedDirectory ----

StagedDirectory::StagedDirectory(std::string final_path, bool overwrite)
    : final_(std::move(final_path)), overwrite_(overwrite) {
    while (final_.size() > 1 && final_.back() == '/') final_.pop_back();
    check_directory_replaceable(final_, overwrite_);  // refuse before any work
    const fs::path p(final_);
    const fs::path parent = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    if (!fs::is_directory(parent))
        throw OutputError(final_ + ": folder " + parent.string() + " does not exist");
    temp_ = (parent / ("." + p.filename().string() + unique_suffix())).string();
    std::error_code ec;
    fs::create_directories(temp_, ec);
    if (ec) throw OutputError(final_ + ": cannot create a working folder: " + ec.message());
}

StagedDirectory::~StagedDirectory() {
    if (!committed_) remove_quietly(temp_);
}

void StagedDirectory::check_commit() const { check_directory_replaceable(final_, overwrite_); }

void StagedDirectory::commit() {
    if (committed_) return;
    check_commit();  // something may have appeared meanwhile
    write_marker(temp_);
    std::error_code ec;
    if (fs::exists(final_)) {
        // Move the old one aside first so a failure never leaves neither.
        const std::string old = final_ + unique_suffix() + ".old";
        fs::rename(final_, old, ec);
        if (ec) throw OutputError(final_ + ": cannot replace: " + ec.message());
        fs::rename(temp_, final_, ec);
        if (ec) {
            fs::rename(old, final_);
            throw OutputError(final_ + ": cannot move the finished folder into place: " + ec.message());
        }
        fs::remove_all(old, ec);
    } else {
        fs::rename(temp_, final_, ec);
        if (ec) throw OutputError(final_ + ": cannot move the finished folder into place: " + ec.message());
    }
    committed_ = true;
}

}  // namespace lssr::io
