// lssr-upscale: 3x super-resolution of whole Landsat/HLS scenes (30 m -> 10 m),
// streaming overlapping tiles through the model and blending them seamlessly.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>

#include "apps/common/tool.hpp"
#include "apps/lssr-upscale/shard.hpp"
#include "libio/core/errors.hpp"
#include "libeval/quicklook.hpp"
#include "libio/gdal/staged_output.hpp"
#include "libio/gdal/text_file.hpp"
#include "libsr/model/device.hpp"
#include "libupscale/lr_scene.hpp"
#include "libsr/lssr/model_choice.hpp"
#include "libupscale/output_naming.hpp"
#include "libupscale/scene_upscale.hpp"
#include "libupscale/thread_policy.hpp"
#include "libupscale/upscale_metadata.hpp"
#include "libsr/lssr/sr_tile_model.hpp"
#include "libsr/lssr/tile_cost.hpp"

namespace fs = std::filesystem;
using namespace lssr;

namespace {

// What --profile reports, summed over the scenes of a run.
struct RunTotals {
    int scenes = 0;
    long long tiles = 0, tiles_run = 0, output_pixels = 0;
    int stripes = 0;
    double seconds = 0, model_seconds = 0;
    sr::TileCost cost;  // of one tile (all tiles of a run share the size)
    void add(const sr::UpscaleStats& stats) {
        ++scenes;
        tiles += stats.tiles;
        tiles_run += stats.tiles_upscaled;
        stripes = std::max(stripes, stats.stripes);
        output_pixels += static_cast<long long>(stats.grid.width) * stats.grid.height;
        seconds += stats.total_seconds;
        model_seconds += stats.model_seconds;
    }
};

nlohmann::json profile_json(const StageProfile& profile, const RunTotals& t, const sr::ThreadPlan& threads) {
    nlohmann::json stages = nlohmann::json::array();
    for (const auto& s : profile.stages())
        stages.push_back({{"stage", s.name}, {"seconds", s.seconds}, {"calls", s.calls}, {"macs_per_tile", s.macs}});
    const double macs = static_cast<double>(t.cost.macs) * t.tiles_run;
    return {{"scenes", t.scenes},
            {"tiles", t.tiles},
            {"tiles_run", t.tiles_run},  // the non-empty tiles, each run once
            {"stripes", t.stripes},
            {"output_pixels", t.output_pixels},
            {"seconds", t.seconds},
            {"model_seconds", t.model_seconds},
            {"intra_op_threads", threads.intra_op},
            {"tile_workers", threads.tile_workers},
            // Stages inside the model are summed over its worker threads.
            {"stages", stages},
            {"macs_per_tile", t.cost.macs},
            {"macs_per_tile_output_pixel", t.cost.macs_per_output_pixel()},
            // With the tiles' overlap: the work per pixel of the output.
            {"macs_per_output_pixel", t.output_pixels ? macs / t.output_pixels : 0.0},
            {"model_gflops", t.model_seconds > 0 ? 2.0 * macs / t.model_seconds / 1e9 : 0.0}};
}

}  // namespace

int main(int argc, char** argv) {
    app::Tool tool("lssr-upscale", "Super-resolve Landsat/HLS scenes 3x (30 m -> 10 m), streaming tile by tile.");
    // A stripe reads each input block a few times and writes each output block
    // once: 32 MB of cache serve it, and the peak stays flat with scene size.
    tool.set_gdal_cache_default(32LL << 20);
    auto& cli = tool.cli();
    std::vector<std::string> inputs;
    sr::OutputNaming naming;
    std::string device = "auto", shard, fmask = "cloud,adjacent,shadow", consistency = "exact", quicklook;
    sr::ModelChoice model_choice;
    sr::SideInputFiles aux;
    sr::UpscaleOptions options;
    app::OutputFlags flags;
    bool skip_existing = false;
    std::string profile_path, precision = "fp32";
    int vae_tile = sr::VaeTiling{}.image_tile;
    int self_ensemble = 1;

    cli.add_option("INPUT", inputs,
                   "6-band reflectance raster, HLS granule (a band file, its ID or its folder); '-' reads a list from stdin")
        ->required();
    cli.add_option("-o,--output", naming.file, "Output raster (one input)");
    cli.add_option("-O,--output-dir", naming.dir, "Output folder for many inputs: <scene>_SR<ext> each");
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
    cli.add_option("--overlap", options.overlap, "Overlap of neighbouring tiles in input pixels (default 8)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--batch", options.batch, "Tiles per model call (default 2)")->check(CLI::PositiveNumber);
    cli.add_option("--stripe-width", options.stripe_width,
                   "Input columns run as one vertical stripe, bounding memory whatever the width (default 1024; 0 = whole width)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--device", device, "auto (default: CUDA when available), cpu, cuda or cuda:N");
    cli.add_option("--vae-tile", vae_tile,
                   "Output pixels per side above which the VAE runs in overlapping tiles (default 512; 0 = never)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--precision", precision,
                   "Network precision: fp32 (default), bf16 (CPU or GPU) or fp16 (GPU); bf16/fp16 halve the weights' memory")
        ->check(CLI::IsMember({"fp32", "bf16", "fp16"}))
        ->type_name("fp32|bf16|fp16");
    cli.add_option("--self-ensemble", self_ensemble,
                   "Average the model over N flips/transposes of each tile: 1 (default), 2, 4 or 8; N times the model's time")
        ->check(CLI::IsMember({1, 2, 4, 8}))
        ->type_name("N");
    cli.add_option("--fmask", fmask, "HLS Fmask conditions that make pixels nodata (default cloud,adjacent,shadow; 'none')");
    cli.add_option("--consistency", consistency,
                   "exact (default): each 3x3 block of the output averages to its input pixel; none: the model's output")
        ->type_name("exact|none");
    cli.add_option("--quicklook", quicklook,
                   "Also write PREFIX_{truecolor,falsecolor,ndvi}.png of the output (with -O: PREFIX_<scene>_SR_...)")
        ->type_name("PREFIX");
    cli.add_option("--profile", profile_path,
                   "Write seconds per stage, the model's multiply-adds per output pixel and its GFLOP/s as JSON to FILE")
        ->type_name("FILE");
    cli.add_flag("--skip-existing", skip_existing, "With -O: leave inputs whose output exists alone");
    cli.add_option("--shard", shard, "Process shard i of N of the inputs (i/N; default from SLURM_ARRAY_TASK_ID/COUNT)")
        ->type_name("i/N");
    tool.add_output_flags(flags);
    tool.add_overwrite_flag();

    return tool.run(argc, argv, [&]() {
        naming.check();
        options.fmask = io::FmaskPolicy::parse(fmask);
        options.consistency = sr::parse_consistency(consistency);
        options.output_options = tool.output_options(flags);
        io::validate_output_format(options.output_options.format);
        options.data_type = flags.data_type;
        if (!flags.data_type.empty()) io::parse_data_type(flags.data_type);
        if (options.overlap >= options.tile) throw OptionError("--overlap must be smaller than --tile");
        const auto torch_device = sr::choose_device(device);
        if (precision == "fp16" && torch_device.is_cpu())
            throw OptionError("--precision fp16 needs a GPU (--device cuda); on the CPU use bf16");
        const auto shard_spec = app::shard_from_environment(shard);
        auto all_inputs = app::expand_stdin_inputs(inputs);
        naming.check_input_count(all_inputs.size());
        const auto mine = app::select_shard(all_inputs, shard_spec);
        // Outputs are checked against every input, and each against its scene's resolved files below.
        std::vector<std::string> named_inputs = all_inputs;
        for (const auto* f : {&aux.dem, &aux.landcover, &aux.s1, &model_choice.bundle, &model_choice.base_model,
                              &model_choice.adapter, &model_choice.prompt})
            if (*f != "none") named_inputs.push_back(*f);
        io::check_outputs_apart({naming.file}, named_inputs, true);

        const auto resolved = model_choice.resolve(LSSR_INSTALLED_DATA_DIR, LSSR_SOURCE_DATA_DIR);
        at::set_num_threads(tool.common().threads);
        auto loaded = sr::load_model(resolved);
        loaded.model->to(torch_device);
        if (precision != "fp32") loaded.model->set_precision(precision == "bf16" ? torch::kBFloat16 : torch::kHalf);
        loaded.model->set_vae_tiling(sr::VaeTiling{vae_tile, vae_tile / 4});
        const auto threads = sr::plan_threads(tool.common().threads, torch_device.is_cpu(), sr::unet_parameters(*loaded.model));
        at::set_num_threads(threads.intra_op);
        options.threads = tool.common().threads;
        // One BLAS thread under each tile worker: no fight for the cores, and
        // the same sums (so the same output) whatever --threads is.
        if (threads.intra_op == 1) sr::set_blas_threads(1);
        tool.info("model: " + loaded.name + " on " + torch_device.str() + " (" + std::to_string(threads.tile_workers) +
                  " tile(s) at once, " + std::to_string(threads.intra_op) + " thread(s) each)");
        StageProfile profile;
        RunTotals totals;
        if (!profile_path.empty()) {
            io::check_can_write(profile_path, options.output_options.overwrite);
            options.profile = &profile;
        }
        const sr::RunProvenance provenance{app::version_string("lssr-upscale"), loaded.name, loaded.sha256,
                                           loaded.model->timestep()};

        if (!naming.dir.empty()) fs::create_directories(naming.dir);
        int failures = 0, done = 0, skipped = 0;
        for (const auto& input : mine) {
            try {
                std::vector<std::string> warnings;
                const auto scene = sr::resolve_lr_scene(input, warnings);
                for (const auto& w : warnings) tool.warn(w);
                const auto target = naming.output_for(sr::lr_scene_stem(scene), options.output_options.format);
                if (skip_existing && io::path_exists(target)) {
                    ++skipped;
                    continue;
                }
                std::vector<std::string> scene_inputs = named_inputs;
                scene_inputs.insert(scene_inputs.end(), scene.paths.begin(), scene.paths.end());
                io::check_outputs_apart({target}, scene_inputs, true);
                io::check_can_write(target, options.output_options.overwrite);
                const std::string picture_prefix = naming.quicklook_prefix(quicklook, target);
                if (!picture_prefix.empty()) {
                    const auto folder = fs::path(picture_prefix).parent_path();
                    if (!folder.empty()) fs::create_directories(folder);
                    for (const auto& p : io::quicklook_paths(picture_prefix))
                        io::check_can_write(p, options.output_options.overwrite);
                }
                sr::SideInputFiles scene_aux = aux;
                scene_aux.month = sr::acquisition_month(scene, aux.month);
                options.output = target;
                options.metadata = sr::upscale_metadata(provenance, options, scene, input, scene_aux.month);
                if (precision != "fp32") options.metadata["LSSR_PRECISION"] = precision;
                if (self_ensemble > 1) options.metadata["LSSR_SELF_ENSEMBLE"] = std::to_string(self_ensemble);
                sr::SrTileModel tile_model(*loaded.model, scene_aux, threads.tile_workers, options.profile);
                tile_model.set_self_ensemble(self_ensemble);
                tile_model.check_side_layers(scene.grid);
                const auto stats = sr::upscale_scene(scene, tile_model, options, tool.progress());
                if (!stats.encoding_note.empty()) tool.warn(target + ": " + stats.encoding_note);
                if (!picture_prefix.empty())
                    io::write_quicklooks(target, picture_prefix, options.output_options.overwrite);
                const long long run = stats.tiles_upscaled;
                if (options.profile) {
                    loaded.model->set_profile(nullptr);  // the count's forward is not part of the run
                    if (totals.scenes == 0)
                        totals.cost = sr::measure_tile_cost(
                            *loaded.model, options.tile,
                            {!scene_aux.dem.empty(), !scene_aux.landcover.empty(), !scene_aux.s1.empty(), scene_aux.month},
                            &profile);
                    totals.add(stats);
                }
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
        if (options.profile && totals.scenes > 0)
            io::write_text_file(profile_path, profile_json(profile, totals, threads).dump(2) + "\n",
                                options.output_options.overwrite);
        if (skipped) tool.info(std::to_string(skipped) + " input(s) skipped: output exists");
        if (failures) throw Error(std::to_string(failures) + " of " + std::to_string(mine.size()) + " inputs failed");
        return 0;
    });
}
