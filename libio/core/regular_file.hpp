#pragma once
// Model, config and embedding files are read whole with open()/read(); a FIFO
// would block open() until a writer came, a folder or device makes no sense.
// Checked with stat() before anything opens the path.
#include <string>

namespace lssr::io {

// InputError "<path>: no such file" / "<path>: is a FIFO, not a regular file"
// (folder, device, socket alike) unless `path` is a regular file (or a link to one).
void require_regular_file(const std::string& path);

}  // namespace lssr::io
