#include "libio/text_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "libio/errors.hpp"
#include "libio/regular_file.hpp"

namespace lssr::io {

std::string read_text_file(const std::string& path) {
    require_regular_file(path);  // a FIFO would block the open below
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path + ": cannot read");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text_file(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) throw OutputError(tmp + ": cannot write");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw OutputError(path + ": cannot rename " + tmp + " into place: " + ec.message());
}

}  // namespace lssr::io
