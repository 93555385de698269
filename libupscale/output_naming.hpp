#pragma once
// Where lssr-upscale writes each scene: -o FILE for exactly one input, or -O DIR
// for any number, each scene to DIR/<scene>_SR<ext> (<scene>: its ID, else its
// file stem; <ext>: the output driver's own extension). No LibTorch here.
#include <cstddef>
#include <string>

namespace lssr::sr {

struct OutputNaming {
    std::string file;  // -o
    std::string dir;   // -O

    // Throws OptionError unless exactly one of file and dir is given.
    void check() const;
    // Throws OptionError when -o is given with other than one input.
    void check_input_count(size_t inputs) const;
    // The output of the scene with batch-mode stem `scene_stem` (lr_scene_stem),
    // written with GDAL driver `format`.
    std::string output_for(const std::string& scene_stem, const std::string& format) const;
    // The quicklook prefix of one output: `prefix` as given with -o; with -O,
    // PREFIX_<output stem> so that each scene's pictures keep their own names.
    // "" stays "" (no quicklooks).
    std::string quicklook_prefix(const std::string& prefix, const std::string& output) const;
};

// The driver's own file extension with its dot (".tif" for GTiff and COG, and
// for a driver that names none).
std::string driver_extension(const std::string& format);

}  // namespace lssr::sr
