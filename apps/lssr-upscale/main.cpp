// lssr-upscale: 3x super-resolution of whole Landsat/HLS scenes (30 m -> 10 m),
// streaming overlapping tiles through the model and blending them seamlessly.
#include <gdal_priv.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>

#include "apps/common/tool.hpp"
#include "apps/lssr-upscale/shard.hpp"
#include "libio/core/dates.hpp"
#include "libio/core/errors.hpp"
#include "libeval/quicklook.hpp"
#include "libio/gdal/staged_output.hpp"
#include "libsr/model/device.hpp"
#include "libupscale/lr_scene.hpp"
#include "libsr/lssr/model_choice.hpp"
#include "libupscale/scene_upscale.hpp"
#include "libsr/lssr/sr_tile_model.hpp"

namespace fs = std::filesystem;
using namespace lssr;

namespace {

// The driver's own file extension (".tif" for GTiff and COG).
std::string extension_for(const std::string& format) {
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(format.c_str());
    const char* ext = driver ? driver->GetMetadataItem(GDAL_DMD_EXTENSION) : nullptr;
    return ext && *ext ? std::string(".") + ext : std::string(".tif");
}

// Below this many UNet parameters a model runs on one LibTorch thread (Stable
// Diffusion's UNet has 865 M; the default model's 0.25 M).
constexpr int64_t kSmallModelParameters = 10'000'000;

int64_t unet_parameters(sr::SrModel& model) {
    int64_t n = 0;
    for (const auto& p : model.base().unet->parameters()) n += p.numel();
    return n;
}

// The default model shipped in data/ (SPEC §5), for runs that name none:
// $LSSR_DATA_DIR, the installed data folder, then the source tree's data/.
std::string default_model() {
    const std::string rel = "models/default.safetensors";
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("LSSR_DATA_DIR")) dirs.push_back(env);
    dirs.push_back(LSSR_INSTALLED_DATA_DIR);
    dirs.push_back(LSSR_SOURCE_DATA_DIR);
    std::string tried;
    for (const auto& d : dirs) {
        const auto p = (fs::path(d) / rel).string();
        if (fs::exists(p)) return p;
        tried += (tried.empty() ? "" : ", ") + p;
    }
    throw OptionError("no model named and no default model found (" + tried +
                      "): use --model BUNDLE or --base-model DIR");
}

}  // namespace

int main(int argc, char** argv) {
    app::Tool tool("lssr-upscale", "Super-resolve Landsat/HLS scenes 3x (30 m -> 10 m), streaming tile by tile.");
    auto& cli = tool.cli();
    std::vector<std::string> inputs;
    std::string output, out_dir, device = "auto", shard, fmask = "cloud,adjacent,shadow", consistency = "exact", quicklook;
    sr::ModelChoice model_choice;
    sr::SideInputFiles aux;
    sr::UpscaleOptions options;
    app::OutputFlags flags;
    bool skip_existing = false;

    cli.add_option("INPUT", inputs,
                   "6-band reflectance raster, HLS granule (a band file, its ID or its folder); '-' reads a list from stdin")
        ->required();
    cli.add_option("-o,--output", output, "Output raster (one input)");
    cli.add_option("-O,--output-dir", out_dir, "Output folder for many inputs: <scene>_SR<ext> each");
    cli.add_option("--model", model_choice.bundle, "LSSR model bundle (.safetensors)")->type_name("BUNDLE");
    cli.add_option("--base-model", model_choice.base_model, "diffusers base model folder (unet/, vae/)")->type_name("DIR");
    cli.add_option("--adapter", model_choice.adapter, "Adapter file for --base-model, or 'none' (default)")->type_name("FILE|none");
    cli.add_option("--prompt-embedding", model_choice.prompt,
                   "safetensors file holding prompt_embeds [1,77,C] (default: zeros)")->type_name("FILE");
    cli.add_option("--timestep", model_choice.timestep, "UNet timestep of the one-step residual (default 1, or the bundle's)")
        ->check(CLI::Range(0, 999));
    cli.add_option("--lambda-pix", model_choice.lambda_pix, "Weight of the pixel-level adapter (default 1)");
    cli.add_option("--lambda-sem", model_choice.lambda_sem, "Weight of the semantic adapter (default 1)");
    cli.add_option("--dem", aux.dem, "Elevation raster in metres (any CRS; warped per tile)")->type_name("FILE");
    cli.add_option("--landcover", aux.landcover, "Dynamic World land-cover raster (warped per tile)")->type_name("FILE");
    cli.add_option("--s1", aux.s1, "Sentinel-1 VV,VH raster in dB (warped per tile)")->type_name("FILE");
    cli.add_option("--month", aux.month, "Acquisition month 1-12 (default: from the scene's date)")
        ->check(CLI::Range(1, 12));
    cli.add_option("--tile", options.tile, "Tile size in input (30 m) pixels (default 64)")
        ->check(CLI::Range(1, std::numeric_limits<int>::max()));
    cli.add_option("--overlap", options.overlap, "Overlap of neighbouring tiles in input pixels (default 12)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--batch", options.batch, "Tiles per model call (default 2)")->check(CLI::PositiveNumber);
    cli.add_option("--device", device, "auto (default: CUDA when available), cpu, cuda or cuda:N");
    cli.add_option("--fmask", fmask, "HLS Fmask conditions that make pixels nodata (default cloud,adjacent,shadow; 'none')");
    cli.add_option("--consistency", consistency,
                   "exact (default): each 3x3 block of the output averages to its input pixel; none: the model's output")
        ->type_name("exact|none");
    cli.add_option("--quicklook", quicklook,
                   "Also write PREFIX_{truecolor,falsecolor,ndvi}.png of the output (with -O: PREFIX_<scene>_SR_...)")
        ->type_name("PREFIX");
    cli.add_flag("--skip-existing", skip_existing, "With -O: leave inputs whose output exists alone");
    cli.add_option("--shard", shard, "Process shard i of N of the inputs (i/N; default from SLURM_ARRAY_TASK_ID/COUNT)")
        ->type_name("i/N");
    tool.add_output_flags(flags);
    tool.add_overwrite_flag();

    return tool.run(argc, argv, [&]() {
        if (output.empty() == out_dir.empty()) throw OptionError("give either -o FILE (one input) or -O DIR");
        options.fmask = io::FmaskPolicy::parse(fmask);
        options.consistency = sr::parse_consistency(consistency);
        options.output_options = tool.output_options(flags);
        io::validate_output_format(options.output_options.format);
        options.data_type = flags.data_type;
        if (!flags.data_type.empty()) io::parse_data_type(flags.data_type);
        if (options.overlap >= options.tile) throw OptionError("--overlap must be smaller than --tile");
        const auto torch_device = sr::choose_device(device);
        const auto shard_spec = app::shard_from_environment(shard);
        auto all_inputs = app::expand_stdin_inputs(inputs);
        if (!output.empty() && all_inputs.size() != 1) throw OptionError("-o takes one input; use -O DIR for many");
        const auto mine = app::select_shard(all_inputs, shard_spec);
        // Outputs are checked against every input, and each against its scene's resolved files below.
        std::vector<std::string> named_inputs = all_inputs;
        for (const auto* f : {&aux.dem, &aux.landcover, &aux.s1, &model_choice.bundle, &model_choice.base_model,
                              &model_choice.adapter, &model_choice.prompt})
            if (*f != "none") named_inputs.push_back(*f);
        io::check_outputs_apart({output}, named_inputs, true);

        if (model_choice.bundle.empty() && model_choice.base_model.empty()) model_choice.bundle = default_model();
        at::set_num_threads(tool.common().threads);
        auto loaded = sr::load_model(model_choice);
        loaded.model->to(torch_device);
        // Small networks run fastest on one LibTorch thread: their ops are too
        // small to share, and OpenMP workers spinning between ops took the cores
        // GDAL's reader and writer threads needed (the default model ran 1.8x
        // slower on 2 threads than on 1). The other threads stay with GDAL.
        if (torch_device.is_cpu() && unet_parameters(*loaded.model) < kSmallModelParameters) at::set_num_threads(1);
        tool.info("model: " + loaded.name + " on " + torch_device.str());

        if (!out_dir.empty()) fs::create_directories(out_dir);
        int failures = 0, done = 0, skipped = 0;
        for (const auto& input : mine) {
            try {
                std::vector<std::string> warnings;
                const auto scene = sr::resolve_lr_scene(input, warnings);
                for (const auto& w : warnings) tool.warn(w);
                const auto target = out_dir.empty()
                    ? output
                    : (fs::path(out_dir) / (sr::lr_scene_stem(scene) + "_SR" + extension_for(options.output_options.format))).string();
                if (skip_existing && io::path_exists(target)) {
                    ++skipped;
                    continue;
                }
                std::vector<std::string> scene_inputs = named_inputs;
                scene_inputs.insert(scene_inputs.end(), scene.paths.begin(), scene.paths.end());
                io::check_outputs_apart({target}, scene_inputs, true);
                io::check_can_write(target, options.output_options.overwrite);
                // With -O each scene's pictures get its output's name after the prefix.
                const std::string picture_prefix = quicklook.empty() || out_dir.empty()
                    ? quicklook
                    : quicklook + "_" + fs::path(target).stem().string();
                if (!picture_prefix.empty()) {
                    const auto folder = fs::path(picture_prefix).parent_path();
                    if (!folder.empty()) fs::create_directories(folder);
                    for (const auto& p : io::quicklook_paths(picture_prefix))
                        io::check_can_write(p, options.output_options.overwrite);
                }
                sr::SideInputFiles scene_aux = aux;
                if (scene_aux.month == 0)
                    if (const auto date = io::parse_date(scene.ref.date)) scene_aux.month = date->month;
                options.output = target;
                options.metadata = {
                    {"LSSR_TOOL", app::version_string("lssr-upscale")},
                    {"LSSR_MODEL", loaded.name},
                    {"LSSR_MODEL_SHA256", loaded.sha256},
                    {"LSSR_TIMESTEP", std::to_string(loaded.model->timestep())},
                    {"LSSR_TILE", std::to_string(options.tile)},
                    {"LSSR_OVERLAP", std::to_string(options.overlap)},
                    {"LSSR_SOURCE", scene.ref.id.empty() ? input : scene.ref.id},
                    {"LSSR_SCALE_FACTOR", "3"},
                };
                if (scene_aux.month) options.metadata["LSSR_MONTH"] = std::to_string(scene_aux.month);
                if (!scene.ref.date.empty()) options.metadata["ACQUISITION_DATE"] = scene.ref.date;
                sr::SrTileModel tile_model(*loaded.model, scene_aux);
                tile_model.check_side_layers(scene.grid);
                const auto stats = sr::upscale_scene(scene, tile_model, options, tool.progress());
                if (!stats.encoding_note.empty()) tool.warn(target + ": " + stats.encoding_note);
                if (!picture_prefix.empty())
                    io::write_quicklooks(target, picture_prefix, options.output_options.overwrite);
                const int run = stats.tiles - stats.tiles_empty;
                std::ostringstream msg;
                msg << std::fixed << std::setprecision(1);
                msg << target << ": " << stats.grid.width << "x" << stats.grid.height << " px, " << stats.tiles
                    << " tiles (" << stats.tiles_empty << " empty), " << stats.total_seconds << " s, "
                    << (run ? 1000.0 * stats.model_seconds / run : 0.0) << " ms per tile";
                tool.info(msg.str());
                ++done;
            } catch (const Cancelled&) {
                throw;
            } catch (const OptionError&) {
                throw;
            } catch (const Error& e) {
                if (mine.size() == 1) throw;
                tool.warn(e.what());
                ++failures;
            }
        }
        if (skipped) tool.info(std::to_string(skipped) + " input(s) skipped: output exists");
        if (failures) throw Error(std::to_string(failures) + " of " + std::to_string(mine.size()) + " inputs failed");
        return 0;
    });
}
