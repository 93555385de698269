// Errors are one line (issue 10, item 5): LibTorch's C++ backtraces and GDAL's
// multi-line messages are cut to one line by lssr::one_line, names with
// control characters are escaped, and tools print the full text only with --debug.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/common/tool.hpp"
#include "libio/core/error_text.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/core/regular_file.hpp"
#include "support.hpp"

#include <sys/stat.h>

using lssr::test::TempDir;

namespace {

// What LibTorch 1.13's c10::Error::what() looks like for a failed allocation.
const std::string kTorchMessage =
    "[enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: can't allocate memory: you tried to "
    "allocate 4000000000000 bytes. Error code 12 (Cannot allocate memory)\n"
    "frame #0: c10::ThrowEnforceNotMet(char const*, int, char const*, std::string const&, void const*) + 0x55 "
    "(0x7f00 in /usr/lib/libc10.so)\n"
    "frame #1: c10::alloc_cpu(unsigned long) + 0x1f5 (0x7f01 in /usr/lib/libc10.so)\n";

struct CapturedRun {
    int rc = -1;
    std::string err;
};

// Runs a Tool whose body throws `error`, with the given extra arguments, capturing stderr.
template <typename Error>
CapturedRun run_throwing(const Error& error, std::vector<std::string> args = {}) {
    lssr::app::Tool tool("lssr-test", "test");
    std::vector<std::string> storage{"lssr-test"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : storage) argv.push_back(a.data());
    std::ostringstream captured;
    auto* old = std::cerr.rdbuf(captured.rdbuf());
    CapturedRun r;
    r.rc = tool.run(static_cast<int>(argv.size()), argv.data(), [&]() -> int { throw error; });
    std::cerr.rdbuf(old);
    r.err = captured.str();
    return r;
}

}  // namespace

TEST_CASE("one_line drops LibTorch's backtrace and joins the lines of a message", "[errors]") {
    CHECK(lssr::one_line(kTorchMessage) ==
          "[enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: can't allocate memory: you tried to "
          "allocate 4000000000000 bytes. Error code 12 (Cannot allocate memory)");
    CHECK(lssr::one_line("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1\n"
                         "Exception raised from infer_size_impl at ../aten/src/ATen/ExpandUtils.cpp:35 (most recent "
                         "call first):\nframe #0: c10::Error::Error(...)") ==
          "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
    // GDAL's PNG driver splits its sentence over two lines.
    CHECK(lssr::one_line("PNG driver doesn't support 6 bands.  Must be 1 (grey),\n2 (grey+alpha), 3 (rgb) or 4 "
                         "(rgba) bands.\n") ==
          "PNG driver doesn't support 6 bands.  Must be 1 (grey), 2 (grey+alpha), 3 (rgb) or 4 (rgba) bands.");
    CHECK(lssr::one_line("tab\there\x1b[31m") == "tab\\there\\x1b[31m");
    CHECK(lssr::one_line("plain") == "plain");
    CHECK(lssr::one_line(std::string(5000, 'x')).size() == 1003);
}

TEST_CASE("escape_control makes names with control characters printable on one line", "[errors]") {
    CHECK(lssr::escape_control("a\nb\r\tc\x01\x7f") == "a\\nb\\r\\tc\\x01\\x7f");
    CHECK(lssr::escape_control("caf\xc3\xa9") == "caf\xc3\xa9");  // UTF-8 kept
}

TEST_CASE("tools print foreign errors as one line; --debug adds the full text", "[errors]") {
    // Before: the tool printed all of what(): the message and 30 frames.
    auto r = run_throwing(std::runtime_error(kTorchMessage));
    CHECK(r.rc == 1);
    CHECK(r.err ==
          "lssr-test: error: [enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: can't allocate memory: "
          "you tried to allocate 4000000000000 bytes. Error code 12 (Cannot allocate memory)\n");
    r = run_throwing(std::runtime_error(kTorchMessage), {"--debug"});
    CHECK(r.rc == 1);
    CHECK(r.err.find("frame #1: c10::alloc_cpu") != std::string::npos);
    // lssr errors carrying a foreign error's text show it only with --debug.
    r = run_throwing(lssr::DetailedInputError("m.safetensors: cannot allocate", kTorchMessage));
    CHECK(r.err == "lssr-test: error: m.safetensors: cannot allocate\n");
    r = run_throwing(lssr::DetailedInputError("m.safetensors: cannot allocate", kTorchMessage), {"--debug"});
    CHECK(r.err.find("frame #0") != std::string::npos);
    r = run_throwing(lssr::OptionError("bad\nname"));
    CHECK(r.rc == 2);
    CHECK(r.err == "lssr-test: error: bad name\n");
    r = run_throwing(42);
    CHECK(r.rc == 1);
    CHECK(r.err == "lssr-test: error: unexpected internal error\n");
}

TEST_CASE("GDAL's two-line PNG band-count message reaches the user as one line", "[errors]") {
    TempDir dir;
    lssr::io::RasterSpec spec;
    spec.grid = lssr::test::utm_grid(4, 4, 30);
    spec.bands = 6;
    spec.type = GDT_Byte;
    lssr::io::RasterBlock block(6, 4, 4);
    lssr::io::OutputOptions options;
    options.format = "PNG";
    try {
        lssr::io::write_raster(dir.file("x.png"), spec, block, options);
        FAIL("PNG took 6 bands");
    } catch (const lssr::Error& e) {
        const std::string message = e.what();
        INFO(message);
        CHECK(message.find('\n') == std::string::npos);
        CHECK(message.find("6 bands") != std::string::npos);
    }
}

TEST_CASE("require_regular_file refuses FIFOs, folders and devices without opening them", "[errors]") {
    TempDir dir;
    const auto fifo = dir.file("fifo");
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THROWS_WITH(lssr::io::require_regular_file(fifo), fifo + ": is a FIFO, not a regular file");
    CHECK_THROWS_WITH(lssr::io::require_regular_file(dir.path().string()),
                      dir.path().string() + ": is a folder, not a regular file");
    CHECK_THROWS_WITH(lssr::io::require_regular_file("/dev/null"), "/dev/null: is a device, not a regular file");
    CHECK_THROWS_WITH(lssr::io::require_regular_file(dir.file("none")), dir.file("none") + ": no such file");
    std::ofstream(dir.file("f")) << "x";
    CHECK_NOTHROW(lssr::io::require_regular_file(dir.file("f")));
}
