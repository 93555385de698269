// lssr-train: trains LSSR (LoRA branches, knowledge module, SAR head) on
// datasets in the LSSR layout, or pre-trains a small SD-architecture base from
// scratch; resumable checkpoints, log.jsonl, data-parallel over c10d.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "apps/common/tool.hpp"
#include "libio/core/errors.hpp"
#include "libio/gdal/staged_output.hpp"
#include "libsr/model/device.hpp"
#include "libsr/train/distributed.hpp"
#include "libsr/train/trainer.hpp"

using namespace lssr;

namespace {

// Defaults as --help states them, from the library's values: the shortest
// spelling that reads back as the value ("0.01", "8"; rates "5e-5", "1e-3").
std::string decimal_text(double v) {
    char buf[40];
    for (int precision = 6; precision <= 17; ++precision) {  // from %g's own 6 digits: "20", not "2e+01"
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}
std::string scientific_text(double v) {
    char buf[40];
    for (int precision = 0; precision <= 16; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*e", precision, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    // "5e-05" -> "5e-5": no plus sign, no leading zeros in the exponent.
    std::string text = buf;
    const auto e = text.find('e');
    const bool negative = text[e + 1] == '-';
    const auto digits = text.find_first_not_of("+-0", e + 1);
    return text.substr(0, e + 1) + (negative ? "-" : "") + (digits == std::string::npos ? "0" : text.substr(digits));
}
template <class Integer>
std::string decimal_text(Integer v) {
    return std::to_string(v);
}

}  // namespace

int main(int argc, char** argv) {
    app::Tool tool("lssr-train",
                   "Train LSSR on LSSR-layout datasets (ours from lssr-tile, or the authors'), or pre-train a "
                   "small SD-architecture base from scratch.");
    auto& cli = tool.cli();
    const sr::TrainOptions defaults;  // every default lives in the library
    sr::TrainOptions o = defaults;
    std::string stage = defaults.stage == sr::TrainStage::Base ? "base" : "lssr", device = "auto";
    std::string ndvi_loss = defaults.weights.ndvi_kind == sr::NdviLossKind::MSE ? "mse" : "l1";
    bool no_knowledge = !defaults.knowledge, no_sar = !defaults.sar_head;
    const auto d = [](const auto& v) { return decimal_text(v); };

    cli.add_option("DATASET_DIR", o.datasets, "Dataset folders (train/ and test/ inside, or flat)")->required();
    cli.add_option("-o,--output", o.run_dir, "Run folder: checkpoint, log.jsonl, the result")->required()->type_name("RUN_DIR");
    cli.add_option("--stage", stage, "lssr (default): adapters and side modules; base: pre-train a base from scratch")
        ->check(CLI::IsMember({"lssr", "base"}));
    cli.add_option("--model", o.model, "Start from this LSSR bundle (its base, adapters, side modules)")->type_name("BUNDLE");
    cli.add_option("--base-model", o.base_model,
                   "lssr: the diffusers base to adapt; base: the folder of unet/ and vae/ config.json to pre-train")
        ->type_name("DIR");
    cli.add_option("--steps", o.steps, "Optimizer steps in all (default " + d(defaults.steps) + ")")->check(CLI::PositiveNumber);
    cli.add_option("--vae-steps", o.vae_steps, "base: steps spent on the VAE before the UNet (default " + d(defaults.vae_steps) + ")")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--batch", o.batch, "Samples per step and process (default " + d(defaults.batch) + ")")->check(CLI::PositiveNumber);
    cli.add_option("--crop", o.crop, "Random crops of N LR pixels (default " + d(defaults.crop) + ": whole patches)")->check(CLI::NonNegativeNumber);
    cli.add_option("--lr", o.learning_rate,
                   "AdamW learning rate (default " + scientific_text(sr::default_learning_rate(sr::TrainStage::Lssr)) +
                       " for lssr, " + scientific_text(sr::default_learning_rate(sr::TrainStage::Base)) + " for base)")->check(CLI::PositiveNumber);
    std::string schedule = defaults.cosine_schedule ? "cosine" : "constant";
    cli.add_option("--lr-schedule", schedule, "constant (default, as the authors) or cosine (to 0 over each phase)")
        ->check(CLI::IsMember({"constant", "cosine"}));
    cli.add_option("--weight-decay", o.weight_decay, "AdamW weight decay (default " + d(defaults.weight_decay) + ")")->check(CLI::NonNegativeNumber);
    cli.add_option("--grad-clip", o.grad_clip, "Largest gradient norm (default " + d(defaults.grad_clip) + "; 0 = off)")->check(CLI::NonNegativeNumber);
    cli.add_option("--lora-rank", o.lora_rank, "Rank of new LoRA adapters (default " + d(defaults.lora_rank) + ")")->check(CLI::PositiveNumber);
    cli.add_option("--lora-alpha", o.lora_alpha, "lora_alpha of new adapters (default " + d(defaults.lora_alpha) + ", PEFT's)")->check(CLI::PositiveNumber);
    cli.add_option("--decoder-steps", o.decoder_steps,
                   "base: last steps, fine-tuning the VAE decoder on the one-step outputs (default " + d(defaults.decoder_steps) + ")")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--decoder-lr", o.decoder_learning_rate, "base: learning rate of the decoder steps (default: --lr)")
        ->check(CLI::PositiveNumber);
    cli.add_option("--pix-steps", o.pix_steps,
                   "Steps of the pixel LoRA branch (pixel losses) before the semantic branch (default " + d(defaults.pix_steps) + ")")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--timestep", o.timestep, "UNet timestep of the one-step residual (default " + d(defaults.timestep) + ")")->check(CLI::Range(0, 999));
    cli.add_option("--seed", o.seed, "Seed of initialisation, data order, crops and flips (default " + d(defaults.seed) + ")");
    cli.add_option("--val-every", o.val_every, "Validate on the test/ samples every N steps (default " + d(defaults.val_every) + ": at the end)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--val-samples", o.val_samples, "Test samples used for validation (default " + d(defaults.val_samples) + ")")->check(CLI::PositiveNumber);
    cli.add_option("--checkpoint-every", o.checkpoint_every, "Write the checkpoint every N steps (default " + d(defaults.checkpoint_every) + ")")
        ->check(CLI::PositiveNumber);
    cli.add_flag("--resume", o.resume, "Continue the run in RUN_DIR from its checkpoint");
    cli.add_option("--lambda-l2", o.weights.l2, "Weight of the L2 loss (default " + d(defaults.weights.l2) + ")")->check(CLI::NonNegativeNumber);
    cli.add_option("--lambda-lpips", o.weights.lpips, "Weight of LPIPS-VGG (default " + d(defaults.weights.lpips) + "; needs --lpips-weights)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--lambda-csd", o.weights.csd, "Weight of CSD (default " + d(defaults.weights.csd) + "; needs --csd-base and prompts)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--lambda-fft", o.weights.fft, "Weight of the FFT loss (default " + d(defaults.weights.fft) + ")")->check(CLI::NonNegativeNumber);
    cli.add_option("--lambda-ndvi", o.weights.ndvi, "Weight of the NDVI loss (default " + d(defaults.weights.ndvi) + ")")->check(CLI::NonNegativeNumber);
    cli.add_option("--lambda-consistency", o.weights.consistency,
                   "Weight of the consistency loss, |3x3 block mean of the output - input| (default " + d(defaults.weights.consistency) + ": off)")
        ->check(CLI::NonNegativeNumber);
    cli.add_flag("--loss-on-projection", o.loss_on_projection,
                 "Score the losses on the output after the consistency projection lssr-upscale applies by default");
    cli.add_option("--ndvi-loss", ndvi_loss, "l1 (default, as the authors) or mse")->check(CLI::IsMember({"l1", "mse"}));
    cli.add_option("--lpips-weights", o.lpips_weights, "VGG16 + LPIPS heads as safetensors (turns LPIPS on)")->type_name("FILE");
    cli.add_option("--csd-base", o.csd_base, "Pretrained text-conditioned SD base for CSD (diffusers folder)")->type_name("DIR");
    cli.add_option("--positive-prompt", o.positive_prompt, "CSD positive prompt_embeds (safetensors)")->type_name("FILE");
    cli.add_option("--negative-prompt", o.negative_prompt, "CSD negative prompt_embeds (safetensors)")->type_name("FILE");
    cli.add_flag("--no-knowledge", no_knowledge, "Train and ship no knowledge module (DEM, land cover, month)");
    cli.add_flag("--no-sar", no_sar, "Train and ship no SAR head");
    cli.add_option("--knowledge-dim", o.knowledge_dim, "Attention width of a new knowledge module (default " + d(defaults.knowledge_dim) + ")")
        ->check(CLI::PositiveNumber);
    cli.add_option("--sar-dim", o.sar_shape.dim, "Width of a new SAR head (default " + d(defaults.sar_shape.dim) + ")")->check(CLI::PositiveNumber);
    cli.add_option("--sar-heads", o.sar_shape.heads, "Attention heads of a new SAR head (default " + d(defaults.sar_shape.heads) + ")")->check(CLI::PositiveNumber);
    cli.add_option("--sar-layers", o.sar_shape.layers, "Blocks of a new SAR head (default " + d(defaults.sar_shape.layers) + ")")->check(CLI::PositiveNumber);
    cli.add_option("--sar-window", o.sar_shape.window, "Attention window of a new SAR head, in tokens (default " + d(defaults.sar_shape.window) + ")")
        ->check(CLI::PositiveNumber);
    cli.add_option("--sar-stride", o.sar_shape.token_stride,
                   "Output pixels per SAR token side: 1 (default) as the authors, 3 = one token per 30 m input pixel, 9x cheaper")
        ->check(CLI::Range(1, 16));
    cli.add_flag("--new-sar", o.new_sar,
                 "With --model: replace its SAR head by a new one (--sar-*) and train that alone; the rest stays as it is");
    cli.add_option("--device", device, "auto (default: CUDA when available), cpu, cuda or cuda:N");
    tool.add_overwrite_flag();

    return tool.run(argc, argv, [&]() {
        o.stage = stage == "base" ? sr::TrainStage::Base : sr::TrainStage::Lssr;
        o.cosine_schedule = schedule == "cosine";
        o.weights.ndvi_kind = ndvi_loss == "mse" ? sr::NdviLossKind::MSE : sr::NdviLossKind::L1;
        o.knowledge = !no_knowledge;
        o.sar_head = !no_sar;
        o.overwrite = tool.common().overwrite;
        std::vector<std::string> inputs = o.datasets;
        inputs.insert(inputs.end(), {o.model, o.base_model, o.lpips_weights, o.csd_base, o.positive_prompt,
                                     o.negative_prompt});
        io::check_outputs_apart({o.run_dir}, inputs);
        o.validate();
        const auto env = sr::DistributedEnv::from_environment();
        o.device = sr::choose_device(device);
        // One GPU per process under torchrun-style launches.
        if (o.device.is_cuda() && env.distributed() && device == "auto")
            o.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank));
        at::set_num_threads(tool.common().threads);
        std::unique_ptr<sr::ProcessGroup> group;
        if (env.distributed()) {
            group = std::make_unique<sr::ProcessGroup>(env, o.device);
            o.group = group.get();
        }
        const bool talk = env.rank == 0;
        const auto result = sr::train(o, talk ? tool.progress() : Progress{}, [&](const std::string& w) {
            if (talk) tool.warn(w);
        });
        std::ostringstream msg;
        if (talk) msg << result.output << ": " << result.steps_done << " steps, " << static_cast<long long>(result.seconds) << " s, ";
        else msg << "rank " << env.rank << ": ";
        // Equal on every rank of a data-parallel run (a check users can script).
        msg << "weights sha256 " << result.weights_sha256;
        tool.info(msg.str());
        return 0;
    });
}
