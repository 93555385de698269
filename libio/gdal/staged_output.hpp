#pragma once
// Outputs are never half-written under their final name: work happens under a
// temporary name in the same folder and is moved into place on commit(). Inputs
// are never outputs, and a folder the suite did not write is never replaced.
#include <memory>
#include <string>
#include <vector>

namespace lssr::io {

// Throws OutputError "<path>: already exists (use --overwrite to replace it)"
// when the path exists and overwrite is false.
void check_can_write(const std::string& path, bool overwrite);

// Throws OptionError (a usage error, exit 2) when an output is an input (the
// same path, or the same file through a symlink or hard link), contains one, or
// lies inside an input folder, or when two outputs are the same. Every tool
// calls it with all its outputs and inputs before it writes anything. Empty
// paths and "-" (stdout/stdin) are skipped; /vsi paths are compared as text.
// `outputs_may_sit_in_input_folders`: for tools that only pick up inputs by
// their official names (lssr-pair scanning a folder), an output file inside an
// input folder is fine.
void check_outputs_apart(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs,
                         bool outputs_may_sit_in_input_folders = false);

// A temporary sibling name for `final_path` that keeps its extension, e.g.
// "dir/out.tif" -> "dir/.out.lssr-tmp-1234-1.tif".
std::string temporary_sibling(const std::string& final_path);

// Something written under a temporary name, moved into place by commit(); the
// destructor removes it unless committed.
class StagedOutput {
public:
    virtual ~StagedOutput() = default;
    virtual const std::string& final_path() const = 0;
    // Throws OutputError when commit() would be refused (the final name exists
    // without overwrite), before anything moves.
    virtual void check_commit() const = 0;
    virtual void commit() = 0;
};

// Commits several outputs together: every one is checked first, so a refusal
// leaves none of them in place.
void commit_all(const std::vector<std::unique_ptr<StagedOutput>>& outputs);

// One file output.
class StagedFile : public StagedOutput {
public:
    StagedFile(std::string final_path, bool overwrite);
    ~StagedFile() override;
    StagedFile(const StagedFile&) = delete;
    StagedFile& operator=(const StagedFile&) = delete;

    const std::string& temp_path() const { return temp_; }
    const std::string& final_path() const override { return final_; }
    void check_commit() const override;
    // Renames the temporary onto the final name (replacing it when overwrite).
    void commit() override;

private:
    std::string final_;
    std::string temp_;
    bool overwrite_;
    bool committed_ = false;
};

// One raster whose format may write sidecar files (.hdr, .prj, .aux.xml, .wld):
// the dataset is created as temp_path(), a file with the final name inside a
// temporary sibling folder, so drivers name sidecars after the final stem. On
// commit every file of that folder moves into place, sidecars first and the
// main file last; with overwrite, sidecars of the replaced raster that the new
// one does not have are removed (they would describe the old data). /vsi paths
// are staged as a plain StagedFile.
class StagedRaster : public StagedOutput {
public:
    StagedRaster(std::string final_path, bool overwrite);
    ~StagedRaster() override;
    StagedRaster(const StagedRaster&) = delete;
    StagedRaster& operator=(const StagedRaster&) = delete;

    const std::string& temp_path() const { return temp_; }
    const std::string& final_path() const override { return final_; }
    // A private folder for intermediate files (removed on commit and on failure).
    std::string work_folder() const;
    void check_commit() const override;
    void commit() override;

private:
    std::string final_;
    std::string folder_;  // empty for /vsi paths
    std::string temp_;
    bool overwrite_;
    bool committed_ = false;
};

// Name of the marker file a StagedDirectory writes into the folders it commits:
// JSON naming the program and listing every file it wrote.
inline constexpr const char* kOutputMarker = ".lssr-output";

// One directory output (many files). Files are written under temp_path(); on
// commit the directory replaces the final one atomically from the user's point
// of view: either the old directory or the whole new one. An existing non-empty
// folder is replaced (only with overwrite) when it is one the same program
// committed and holds nothing but the files it wrote (see kOutputMarker);
// anything else is refused with OutputError, so no file the suite did not
// write is ever deleted.
class StagedDirectory : public StagedOutput {
public:
    StagedDirectory(std::string final_path, bool overwrite);
    ~StagedDirectory() override;
    StagedDirectory(const StagedDirectory&) = delete;
    StagedDirectory& operator=(const StagedDirectory&) = delete;

    const std::string& temp_path() const { return temp_; }
    const std::string& final_path() const override { return final_; }
    void check_commit() const override;
    void commit() override;

private:
    std::string final_;
    std::string temp_;
    bool overwrite_;
    bool committed_ = false;
};

}  // namespace lssr::io
