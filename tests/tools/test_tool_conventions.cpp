// What every tool promises (SPEC §3): --help/--version exit 0, usage errors exit 2
// with one "<tool>: error:" line, and a man page that documents every option.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "support.hpp"

namespace fs = std::filesystem;
using lssr::test::kTools;
using lssr::test::read_text;
using lssr::test::run_tool;

namespace {

// Long options ("--name") printed by --help.
std::set<std::string> long_options(const std::string& help) {
    std::set<std::string> options;
    const std::regex pattern("(^|[\\s,\\[])(--[a-z0-9][a-z0-9-]*)");
    for (auto it = std::sregex_iterator(help.begin(), help.end(), pattern); it != std::sregex_iterator(); ++it)
        options.insert((*it)[2].str());
    return options;
}

// roff text with escapes for '-' removed, so "\-\-tile" reads "--tile".
std::string plain_roff(std::string text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '-') continue;
        if (text.compare(i, 3, "\\(en") == 0) { out += '-'; i += 2; continue; }
        out += text[i];
    }
    return out;
}

}  // namespace

TEST_CASE("the suite's nine tools are built, with LibTorch or without", "[cli][conventions]") {
    // The list is the suite's contract (SPEC, README), written here rather than
    // taken from the folders the build globs, so a lost or unbuilt tool fails.
    const std::set<std::string> torch_free = {"lssr-synth", "lssr-pair", "lssr-tile", "lssr-eval",
                                              "cropmap-fit", "cropmap-predict"};
    const std::set<std::string> with_torch = {"lssr-upscale", "lssr-train", "lssr-model"};
    std::set<std::string> expected = torch_free;
    if (lssr::test::kWithTorch) expected.insert(with_torch.begin(), with_torch.end());
    std::set<std::string> built;
    for (const auto& [tool, path] : kTools) {
        built.insert(tool);
        CHECK(fs::is_regular_file(path));
    }
    CHECK(built == expected);
    // Every folder apps/<tool>/ with a main.cpp is one of them, and it says so
    // (NEEDS_TORCH) exactly when it links LibTorch.
    std::set<std::string> folders;
    for (const auto& e : fs::directory_iterator(lssr::test::kSourceDir + "/apps"))
        if (fs::exists(e.path() / "main.cpp")) {
            const std::string tool = e.path().filename().string();
            folders.insert(tool);
            CHECK(fs::exists(e.path() / "NEEDS_TORCH") == (with_torch.count(tool) == 1));
        }
    std::set<std::string> all = torch_free;
    all.insert(with_torch.begin(), with_torch.end());
    CHECK(folders == all);
}

TEST_CASE("every tool answers --help and --version with exit 0", "[cli][conventions]") {
    for (const auto& [tool, path] : kTools) {
        INFO(tool);
        const auto help = run_tool(tool, {"--help"});
        CHECK(help.exit_code == 0);
        CHECK(help.out.find("--help") != std::string::npos);
        const auto version = run_tool(tool, {"--version"});
        CHECK(version.exit_code == 0);
        CHECK(version.out.find(tool + " ") == 0);
    }
}

TEST_CASE("an unknown flag is a usage error: exit 2 and one error line", "[cli][conventions]") {
    for (const auto& [tool, path] : kTools) {
        INFO(tool);
        const auto r = run_tool(tool, {"--no-such-flag"});
        CHECK(r.exit_code == 2);
        CHECK(r.err.rfind(tool + ": error: ", 0) == 0);
        CHECK(r.out.empty());
    }
}

TEST_CASE("every tool has a man page with the standard sections and all its options", "[cli][man]") {
    for (const auto& [tool, path] : kTools) {
        INFO(tool);
        const fs::path page = fs::path(lssr::test::kSourceDir) / "man" / (tool + ".1");
        REQUIRE(fs::exists(page));
        const std::string man = plain_roff(read_text(page));
        for (const char* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS",
                                    "EXAMPLES", "SEE ALSO"})
            CHECK(man.find(std::string(".SH ") + section) != std::string::npos);
        const auto help = run_tool(tool, {"--help"});
        const auto options = long_options(help.out);
        CHECK(options.count("--help") == 1);
        for (const auto& option : options) {
            INFO(option);
            CHECK(man.find(option) != std::string::npos);
        }
    }
}
