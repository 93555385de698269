#pragma once
// Outputs are never half-written under their final name: work happens under a
// temporary name in the same folder and is renamed into place on commit().
#include <string>

namespace lssr::io {

// Throws OutputError "<path>: already exists (use --overwrite to replace it)"
// when the path exists and overwrite is false.
void check_can_write(const std::string& path, bool overwrite);

// A temporary sibling name for `final_path` that keeps its extension, e.g.
// "dir/out.tif" -> "dir/.out.lssr-tmp-1234-1.tif".
std::string temporary_sibling(const std::string& final_path);

// One file output. The destructor removes the temporary unless committed.
class StagedFile {
public:
    StagedFile(std::string final_path, bool overwrite);
    ~StagedFile();
    StagedFile(const StagedFile&) = delete;
    StagedFile& operator=(const StagedFile&) = delete;

    const std::string& temp_path() const { return temp_; }
    const std::string& final_path() const { return final_; }
    // Renames the temporary onto the final name (replacing it when overwrite).
    void commit();

private:
    std::string final_;
    std::string temp_;
    bool overwrite_;
    bool committed_ = false;
};

// One directory output (many files). Files are written under temp_path(); on
// commit the directory replaces the final one (only when overwrite) atomically
// from the user's point of view: either the old directory or the whole new one.
class StagedDirectory {
public:
    StagedDirectory(std::string final_path, bool overwrite);
    ~StagedDirectory();
    StagedDirectory(const StagedDirectory&) = delete;
    StagedDirectory& operator=(const StagedDirectory&) = delete;

    const std::string& temp_path() const { return temp_; }
    const std::string& final_path() const { return final_; }
    void commit();

private:
    std::string final_;
    std::string temp_;
    bool overwrite_;
    bool committed_ = false;
};

}  // namespace lssr::io
