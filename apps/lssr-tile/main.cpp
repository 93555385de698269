// lssr-tile: training patches from a pair manifest (dataset mode) or from 30 m
// scenes alone (--self-pairs), overlapping tiles of one scene (--scene), and
// blending tiles back together (--stitch).
#include <fmt/format.h>

#include <limits>

#include "apps/common/tool.hpp"
#include "libio/core/errors.hpp"
#include "libio/tiling/scene_tiles.hpp"
#include "libio/tiling/self_pairs.hpp"
#include "libio/gdal/staged_output.hpp"
#include "libio/tiling/training_dataset.hpp"

namespace {

// Options that only make sense in one mode: naming them in another is a usage error.
void refuse_in_mode(const std::vector<CLI::Option*>& options, const std::string& mode) {
    for (const CLI::Option* o : options)
        if (o->count() > 0) throw lssr::OptionError(o->get_name() + " cannot be used with " + mode);
}

}  // namespace

int main(int argc, char** argv) {
    lssr::app::Tool tool("lssr-tile",
                         "Cut co-registered LR/HR training patches from a pair manifest or from 30 m scenes "
                         "alone (--self-pairs), cut one scene "
                         "into overlapping tiles, or stitch tiles back into one mosaic.");
    CLI::App& cli = tool.cli();
    lssr::io::DatasetOptions data;
    lssr::io::CutOptions cut;
    lssr::io::StitchOptions stitch;
    lssr::io::SelfPairsOptions self;
    std::string psf = "box", date;
    lssr::app::OutputFlags out_flags;
    std::string out_dir;

    auto* manifest =
        cli.add_option("MANIFEST", data.manifest, "Pair manifest from lssr-pair (JSON Lines; - = stdin)");
    auto* scene = cli.add_option("--scene", cut.scene, "Scene mode: cut this raster into overlapping tiles")
                      ->type_name("FILE");
    auto* stitch_index =
        cli.add_option("--stitch", stitch.index, "Stitch mode: blend the tiles of this index.jsonl")
            ->type_name("INDEX");
    auto* self_pairs = cli.add_option("--self-pairs", self.scenes,
                                      "Self-pairs mode: cut a dataset from these 30 m scenes alone, each "
                                      "scene the HR and its 3x degradation the LR")
                           ->type_name("SCENE")
                           ->expected(1, -1);
    auto* out_dir_opt = cli.add_option("-O,--output-dir", out_dir, "Output folder (dataset, self-pairs and scene modes)")
                            ->type_name("DIR");
    auto* output =
        cli.add_option("-o,--output", stitch.output, "Output mosaic (stitch mode)")->type_name("FILE");
    auto* dem =
        cli.add_option("--dem", data.dem, "Elevation raster, any CRS (dataset mode; optional with --self-pairs)")->type_name("FILE");
    auto* lc = cli.add_option("--landcover", data.landcover,
                              "Dynamic World land-cover raster, any CRS (dataset mode; optional with --self-pairs)")
                   ->type_name("FILE");
    auto* s1 =
        cli.add_option("--s1", data.s1, "Sentinel-1 VV/VH dB raster overriding the manifest's (dataset mode)")
            ->type_name("FILE");
    auto* patch =
        cli.add_option("--patch", data.patch, "LR patch size in 30 m pixels; HR patches are 3x (default 64)")
            ->type_name("N");
    auto* stride =
        cli.add_option("--stride", data.stride, "LR pixels between patch origins (default: --patch)")
            ->type_name("N");
    auto* max_nodata = cli.add_option("--max-nodata", data.max_nodata,
                                      "Skip patches with more nodata than this fraction (default 0)")
                           ->type_name("F");
    auto* max_cloud = cli.add_option("--max-cloud", data.max_cloud,
                                     "Skip patches with more cloud than this fraction (default 0.05)")
                          ->type_name("F");
    auto* test_fraction =
        cli.add_option("--test-fraction", data.test_fraction, "Share of samples in test/ (default 0.2)")
            ->type_name("F");
    auto* seed =
        cli.add_option("--seed", data.seed, "Seed of the train/test split (default 0)")->type_name("N");
    auto* psf_opt = cli.add_option("--psf", psf,
                                   "Degradation of --self-pairs: box (3x3 mean, default) or gaussian "
                                   "(sensor PSF, then decimation)")
                        ->type_name("box|gaussian");
    auto* date_opt =
        cli.add_option("--date", date, "Acquisition date of every --self-pairs scene (default: from the file name)")
            ->type_name("YYYY-MM-DD");
    auto* tile =
        cli.add_option("--tile", cut.tile, "Tile size in pixels (scene mode, default 512)")
            ->type_name("N")
            ->check(CLI::Range(1, std::numeric_limits<int>::max()));
    auto* overlap = cli.add_option("--overlap", cut.overlap,
                                   "Pixels shared by neighbouring tiles (scene mode, default 64)")
                        ->type_name("N");
    auto* tiles_dir = cli.add_option("--tiles", stitch.tiles_dir,
                                     "Read the tiles from this folder instead of the index's (stitch mode)")
                          ->type_name("DIR");
    tool.add_output_flags(out_flags);
    tool.add_overwrite_flag();

    return tool.run(argc, argv, [&]() -> int {
        const int modes = (manifest->count() > 0) + (scene->count() > 0) + (stitch_index->count() > 0) +
                          (self_pairs->count() > 0);
        if (modes != 1)
            throw lssr::OptionError(
                "give exactly one of MANIFEST (dataset mode), --self-pairs SCENE..., --scene FILE or "
                "--stitch INDEX");
        const std::vector<CLI::Option*> dataset_only{
            dem, lc, s1, patch, stride, max_nodata, max_cloud, test_fraction, seed};
        auto* of = cli.get_option("--of");
        auto* ot = cli.get_option("--ot");
        auto* co = cli.get_option("--co");
        if (self_pairs->count()) {
            refuse_in_mode({s1, max_cloud, output, tile, overlap, tiles_dir, of, ot, co}, "--self-pairs");
            if (!out_dir_opt->count()) throw lssr::OptionError("--self-pairs needs -O DIR");
            std::vector<std::string> inputs = self.scenes;
            inputs.insert(inputs.end(), {data.dem, data.landcover});
            lssr::io::check_outputs_apart({out_dir}, inputs);
            self.out_dir = out_dir;
            self.dem = data.dem;
            self.landcover = data.landcover;
            self.patch = data.patch;
            self.stride = data.stride;
            self.max_nodata = data.max_nodata;
            self.test_fraction = data.test_fraction;
            self.seed = data.seed;
            self.psf = lssr::io::parse_psf(psf);
            self.date = date;
            self.overwrite = tool.common().overwrite;
            const auto s = lssr::io::build_self_pairs(self, tool.progress());
            tool.info(fmt::format("{} scene(s), {} candidate patch(es): kept {} (train {}, test {}), skipped {} "
                                  "for nodata; LR = {} degradation; wrote {}",
                                  s.scenes, s.candidates, s.kept, s.train, s.test, s.skipped_nodata,
                                  lssr::io::psf_name(self.psf), out_dir));
            if (s.scenes_without_date)
                tool.info(fmt::format("{} scene(s) without a date in the name (and no --date): named 00000000, "
                                      "month unknown to lssr-train",
                                      s.scenes_without_date));
            return 0;
        }
        const std::vector<CLI::Option*> self_pairs_only{psf_opt, date_opt};
        if (manifest->count()) {
            refuse_in_mode(self_pairs_only, "dataset mode");
            refuse_in_mode({scene, stitch_index, output, tile, overlap, tiles_dir, of, ot, co},
                           "dataset mode");
            if (!out_dir_opt->count()) throw lssr::OptionError("dataset mode needs -O DIR");
            if (!dem->count() || !lc->count())
                throw lssr::OptionError("dataset mode needs --dem and --landcover");
            lssr::io::check_outputs_apart({out_dir}, {data.manifest, data.dem, data.landcover, data.s1});
            data.out_dir = out_dir;
            data.overwrite = tool.common().overwrite;
            const auto s = lssr::io::build_dataset(data, tool.progress());
            tool.info(fmt::format(
                "{} pair(s), {} candidate patch(es): kept {} (train {}, test {}), skipped {} "
                "for nodata, {} for cloud; wrote {}",
                s.pairs, s.candidates, s.kept, s.train, s.test, s.skipped_nodata, s.skipped_cloud, out_dir));
            if (s.pairs_without_s1)
                tool.info(fmt::format("{} pair(s) without Sentinel-1: their patches have no _S1.tif",
                                      s.pairs_without_s1));
            return 0;
        }
        if (scene->count()) {
            refuse_in_mode(dataset_only, "--scene");
            refuse_in_mode(self_pairs_only, "--scene");
            refuse_in_mode({output, tiles_dir, of, ot}, "--scene");
            if (!out_dir_opt->count()) throw lssr::OptionError("--scene needs -O DIR");
            lssr::io::check_outputs_apart({out_dir}, {cut.scene});
            cut.out_dir = out_dir;
            cut.creation_options = out_flags.creation_options;
            cut.overwrite = tool.common().overwrite;
            const auto r = lssr::io::cut_scene(cut, tool.progress());
            tool.info(fmt::format("wrote {} tiles ({} x {}) and {}", r.tiles, r.columns, r.rows, r.index));
            return 0;
        }
        refuse_in_mode(dataset_only, "--stitch");
        refuse_in_mode(self_pairs_only, "--stitch");
        refuse_in_mode({out_dir_opt, tile, overlap}, "--stitch");
        if (!output->count()) throw lssr::OptionError("--stitch needs -o FILE");
        // The mosaic may sit beside the tiles (stitch_tiles refuses it as one of them).
        lssr::io::check_outputs_apart({stitch.output}, {stitch.index, stitch.tiles_dir}, true);
        stitch.output_options = tool.output_options(out_flags);
        stitch.data_type = out_flags.data_type;
        const auto r = lssr::io::stitch_tiles(stitch, tool.progress());
        tool.info(fmt::format("blended {} tiles into {} ({}x{} px)", r.tiles, stitch.output, r.grid.width,
                              r.grid.height));
        return 0;
    });
}
