#include "libio/staged_output.hpp"

#include <cpl_vsi.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <system_error>

#include "libio/errors.hpp"
#include "libio/gdal_dataset.hpp"

namespace fs = std::filesystem;

namespace lssr::io {
namespace {

std::string unique_suffix() {
    static std::atomic<int> counter{0};
    return ".lssr-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

bool is_local(const std::string& path) { return path.rfind("/vsi", 0) != 0; }

void remove_quietly(const std::string& path) {
    if (is_local(path)) {
        std::error_code ec;
        fs::remove_all(path, ec);
    } else {
        VSIUnlink(path.c_str());
    }
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

std::string temporary_sibling(const std::string& final_path) {
    const fs::path p(final_path);
    const std::string name = "." + p.stem().string() + unique_suffix() + p.extension().string();
    return (p.parent_path() / name).string();
}

StagedFile::StagedFile(std::string final_path, bool overwrite)
    : final_(std::move(final_path)), overwrite_(overwrite) {
    check_can_write(final_, overwrite_);
    temp_ = temporary_sibling(final_);
}

StagedFile::~StagedFile() {
    if (!committed_) remove_quietly(temp_);
}

void StagedFile::commit() {
    if (committed_) return;
    check_can_write(final_, overwrite_);  // something may have appeared meanwhile
    if (VSIRename(temp_.c_str(), final_.c_str()) != 0)
        throw OutputError(final_ + ": cannot move the finished file into place");
    committed_ = true;
}

StagedDirectory::StagedDirectory(std::string final_path, bool overwrite)
    : final_(std::move(final_path)), overwrite_(overwrite) {
    while (final_.size() > 1 && final_.back() == '/') final_.pop_back();
    if (!overwrite_ && fs::exists(final_) &&
        !(fs::is_directory(final_) && fs::is_empty(final_)))
        throw OutputError(final_ + ": already exists (use --overwrite to replace it)");
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

void StagedDirectory::commit() {
    if (committed_) return;
    std::error_code ec;
    if (fs::exists(final_)) {
        if (!overwrite_ && !(fs::is_directory(final_) && fs::is_empty(final_)))
            throw OutputError(final_ + ": already exists (use --overwrite to replace it)");
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
