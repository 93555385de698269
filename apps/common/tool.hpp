#pragma once
// What every lssr tool shares (SPEC §3): GDAL-style flags, exit codes 0/1/2,
// one-line errors "<tool>: error: ...", progress on stderr, -q, --config,
// --threads, --overwrite, --version, --debug.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "libio/core/progress.hpp"
#include "libio/gdal/raster.hpp"

namespace lssr::app {

struct CommonOptions {
    bool quiet = false;
    bool overwrite = false;
    bool debug = false;
    int threads = 0;  // 0 = all cores
    std::vector<std::string> config;  // KEY VALUE pairs, flattened
};

// -of / -co / -ot as gdal_translate spells them.
struct OutputFlags {
    std::string format = "GTiff";
    std::vector<std::string> creation_options;
    std::string data_type;  // "" = tool default
};

class Tool {
public:
    Tool(std::string name, std::string description);

    CLI::App& cli() { return app_; }
    const std::string& name() const { return name_; }
    const CommonOptions& common() const { return common_; }

    // Adds -of/--of, -co/--co, -ot/--ot bound to `flags`.
    void add_output_flags(OutputFlags& flags, bool with_data_type = true);
    // Adds --overwrite.
    void add_overwrite_flag();
    // GDAL's block cache when the user sets no GDAL_CACHEMAX (default 64 MB).
    void set_gdal_cache_default(long long bytes) { gdal_cache_default_ = bytes; }

    // Parses argv (mapping CLI11's codes onto 0 and 2), applies --config and
    // --threads, silences GDAL unless --debug, installs SIGINT/SIGTERM handling,
    // runs `body` and maps exceptions to exit status: lssr::OptionError -> 2,
    // anything else -> 1, each as one line on stderr (lssr::one_line: no
    // LibTorch backtrace; with --debug the full message follows).
    int run(int argc, char** argv, const std::function<int()>& body);

    // A terminal progress bar on stderr ("0...10...20 ... 100 - done."), or a
    // silent one with -q. Also turns Ctrl-C into lssr::Cancelled.
    Progress progress();
    void warn(const std::string& message) const;
    void info(const std::string& message) const;  // stderr, silenced by -q

    // output options for libio from the flags (and --overwrite)
    io::OutputOptions output_options(const OutputFlags& flags) const;

private:
    std::string name_;
    CLI::App app_;
    CommonOptions common_;
    long long gdal_cache_default_ = 64LL << 20;
};

// Expands "-" in an input list into the lines read from stdin (blank lines and
// lines starting with '#' skipped).
std::vector<std::string> expand_stdin_inputs(const std::vector<std::string>& inputs);

// "lssr-xxx 0.1.0 (LSSR suite, GDAL 3.6.2)"
std::string version_string(const std::string& tool);

}  // namespace lssr::app
