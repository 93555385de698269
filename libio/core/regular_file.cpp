#include "libio/core/regular_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "libio/core/errors.hpp"

namespace lssr::io {

void require_regular_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw InputError(path + (errno == ENOENT ? std::string(": no such file")
                                                 : std::string(": cannot open: ") + std::strerror(errno)));
    if (S_ISREG(st.st_mode)) return;
    const char* kind = S_ISDIR(st.st_mode)    ? "a folder"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "a special file";
    throw InputError(path + ": is " + kind + ", not a regular file");
}

}  // namespace lssr::io
