#include "libsr/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "libio/core/errors.hpp"
#include "libsr/model/base_model.hpp"
#include "libsr/lssr/bundle.hpp"
#include "libsr/train/csd.hpp"
#include "libsr/train/distributed.hpp"
#include "libsr/lssr/lora.hpp"
#include "libsr/train/lpips.hpp"
#include "libsr/train/projection.hpp"
#include "libsr/lssr/model_input.hpp"
#include "libsr/formats/safetensors.hpp"
#include "libsr/formats/sha256.hpp"
#include "libsr/lssr/sr_model.hpp"
#include "libsr/model/state_dict.hpp"
#include "libsr/train/train_checkpoint.hpp"
#include "libsr/train/train_data.hpp"
#include "libsr/train/train_log.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lssr::sr {
namespace {

namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

constexpr const char* kCheckpoint = "checkpoint.safetensors";

// A generator for one purpose at one step: runs and resumed runs draw the same numbers.
at::Generator step_generator(uint64_t seed, uint64_t stream, uint64_t step, uint64_t item) {
    uint64_t h = seed * 0x9E3779B97F4A7C15ull ^ (stream + 0x632BE59BD9B4E019ull);
    for (uint64_t v : {step, item}) {
        h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
        h *= 0xBF58476D1CE4E5B9ull;
    }
    return at::detail::createCPUGenerator(h >> 1);
}

enum Stream : uint64_t { kOrder = 1, kAugment = 2, kCsd = 3 };

// True when `dir` is a folder holding at least one <prefix>_S2.tif sample.
bool holds_samples(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return false;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.size() > 7 && name.compare(name.size() - 7, 7, "_S2.tif") == 0) return true;
    }
    return false;
}

// A run that fails before its first checkpoint leaves nothing behind, so the
// same command can simply be run again: the run folder goes when this run
// made it; in a folder that was there, only the entries this run added go.
// Nothing that existed before is ever removed.
class RunFolderGuard {
public:
    RunFolderGuard(const fs::path& dir, bool owner) : dir_(dir), owner_(owner) {
        std::error_code ec;
        existed_ = fs::exists(dir_, ec);
        if (existed_ && fs::is_directory(dir_, ec))
            for (const auto& e : fs::directory_iterator(dir_, ec)) before_.push_back(e.path().filename());
    }
    RunFolderGuard(const RunFolderGuard&) = delete;
    RunFolderGuard& operator=(const RunFolderGuard&) = delete;
    ~RunFolderGuard() {
        if (!owner_ || kept_) return;
        std::error_code ec;
        if (!existed_) {
            fs::remove_all(dir_, ec);
            return;
        }
        std::vector<fs::path> added;
        for (const auto& e : fs::directory_iterator(dir_, ec))
            if (std::find(before_.begin(), before_.end(), e.path().filename()) == before_.end())
                added.push_back(e.path());
        for (const auto& p : added) fs::remove_all(p, ec);
    }
    void keep() { kept_ = true; }  // a checkpoint exists: the run can be resumed

private:
    fs::path dir_;
    bool owner_ = false, existed_ = false, kept_ = false;
    std::vector<fs::path> before_;
};

// Which dataset sample is item j of a step: epochs are seeded permutations.
class SampleOrder {
public:
    SampleOrder(int64_t n, uint64_t seed) : n_(n), seed_(seed) {}
    int64_t at(int64_t position) {
        const int64_t epoch = position / n_;
        if (epoch != epoch_) {
            auto gen = step_generator(seed_, kOrder, static_cast<uint64_t>(epoch), 0);
            perm_ = torch::randperm(n_, gen, torch::kInt64);
            epoch_ = epoch;
        }
        return perm_[position % n_].item<int64_t>();
    }

private:
    int64_t n_, epoch_ = -1;
    uint64_t seed_;
    torch::Tensor perm_;
};

double psnr(const torch::Tensor& a, const torch::Tensor& b) {
    const double mse = (a.clamp(0, 1) - b.clamp(0, 1)).pow(2).mean().item<double>();
    return mse > 0 ? -10.0 * std::log10(mse) : 99.0;
}

void append(NamedParams& to, const NamedParams& from) { to.insert(to.end(), from.begin(), from.end()); }

// The LoRA tensors of one branch ("" = every branch).
NamedParams lora_params(SrModel& model, const std::string& branch) {
    NamedParams out;
    // "unet.<module>.lora_A.default_<group>_<branch>.weight"
    const std::string tail = "_" + branch + ".weight";
    for (auto& [name, t] : model.lora_parameters()) {
        const bool mine = branch.empty() ||
                          (name.size() > tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0);
        if (mine) out.emplace_back(name, t);
    }
    return out;
}

void set_trainable(const NamedParams& params, bool on) {
    for (const auto& [name, t] : params) {
        auto p = t;
        p.set_requires_grad(on);
    }
}

std::vector<torch::Tensor> tensors_of(const NamedParams& params) {
    std::vector<torch::Tensor> out;
    for (const auto& [n, t] : params) out.push_back(t);
    return out;
}

struct Losses {
    torch::Tensor total;
    std::vector<std::pair<std::string, torch::Tensor>> terms;
    void add(const std::string& name, double weight, const torch::Tensor& value) {
        terms.emplace_back(name, value.detach());
        if (weight == 0) return;
        total = total.defined() ? total + weight * value : weight * value;
    }
};

// Everything one run holds.
class Run {
public:
    Run(const TrainOptions& o, std::function<void(const std::string&)> warn) : o_(o), warn_(std::move(warn)) {}
    TrainResult execute(const Progress& progress);

private:
    const TrainOptions& o_;
    std::function<void(const std::string&)> warn_;
    int rank_ = 0, world_ = 1;
    std::vector<SampleFiles> train_, val_;
    // Base: the base being pre-trained, with the zero prompt; Lssr: the model being adapted.
    std::unique_ptr<SrModel> model_;
    BaseModelConfigs configs_;
    std::string base_dir_;  // where the Lssr base lives as files (for the bundle)
    std::unique_ptr<Lpips> lpips_;
    std::unique_ptr<CsdLoss> csd_;
    bool scaling_factor_set_ = false;
    // The run folder and its files (the guard outlives the log).
    std::unique_ptr<RunFolderGuard> folder_;
    std::string checkpoint_path_, log_path_;
    bool have_checkpoint_ = false;
    std::unique_ptr<TrainLog> log_;
    // Where training stands.
    int64_t step_ = 0;  // steps done
    std::optional<Phase> phase_;
    NamedParams params_;  // what the phase trains, in the optimizer's order
    std::unique_ptr<torch::optim::AdamW> optimizer_;

    // Setting up.
    void open_run_folder();
    void prepare_base();
    void prepare_lssr();
    void prepare_losses();
    void set_scaling_factor();
    BaseModel& base() { return model_->base(); }
    // The phases: when each runs, its learning rate, what it trains.
    Phase phase_at(int64_t step) const;
    double learning_rate_at(int64_t step) const;
    NamedParams trainables(Phase phase);
    NamedParams all_weights();
    void enter_phase(Phase phase, bool restore_optimizer);
    // One optimizer step.
    StepMetrics step(SampleOrder& order);
    TrainBatch load_batch(int64_t step, SampleOrder& order);
    torch::Tensor base_unet(const torch::Tensor& z);
    Losses compute(Phase phase, const TrainBatch& batch, int64_t step);
    Losses vae_losses(const TrainBatch& batch);
    Losses unet_losses(const TrainBatch& batch);
    Losses decoder_losses(const TrainBatch& batch);
    Losses lssr_losses(Phase phase, const TrainBatch& batch, int64_t step);
    json validate(Phase phase);
    // Checkpoints and the log.
    void resume();
    void save_checkpoint();
    void log_step(const StepMetrics& metrics);
    // The result.
    std::string finish();
    std::string weights_sha256();
    // The base's input space (its VAE config's lssr_normalisation).
    InputNormalisation normalisation() { return input_normalisation(base()); }
};

Phase Run::phase_at(int64_t step) const {
    Phase phase = Phase::LssrPixel;
    for (const auto& p : stage_phases(o_.stage, o_.steps, o_.vae_steps, o_.decoder_steps, o_.pix_steps))
        if (step >= p.first_step) phase = p.phase;
    return phase;
}

double Run::learning_rate_at(int64_t step) const {
    const double peak = phase_at(step) == Phase::BaseDecoder && o_.decoder_learning_rate > 0
                            ? o_.decoder_learning_rate
                            : o_.effective_learning_rate();
    if (!o_.cosine_schedule) return peak;
    // The phase's span [begin, end).
    int64_t begin = 0, end = o_.steps;
    for (const auto& p : stage_phases(o_.stage, o_.steps, o_.vae_steps, o_.decoder_steps, o_.pix_steps)) {
        if (step >= p.first_step) begin = p.first_step;
        else if (p.first_step < end) { end = p.first_step; break; }
    }
    const double progress = static_cast<double>(step - begin) / static_cast<double>(std::max<int64_t>(1, end - begin));
    return peak * 0.5 * (1.0 + std::cos(3.141592653589793 * progress));
}

NamedParams Run::trainables(Phase phase) {
    NamedParams out;
    switch (phase) {
        case Phase::BaseVae: return model_->named_parameters(SrPart::Vae);
        case Phase::BaseUnet: return model_->named_parameters(SrPart::Unet);
        case Phase::BaseDecoder: {
            // Everything after the latent: post_quant_conv and the decoder.
            const auto vae = SrModel::part_prefix(SrPart::Vae);
            for (auto& [name, t] : model_->named_parameters(SrPart::Vae))
                if (name.rfind(vae + "decoder.", 0) == 0 || name.rfind(vae + "post_quant_conv.", 0) == 0)
                    out.emplace_back(name, t);
            return out;
        }
        case Phase::LssrPixel:
        case Phase::LssrSemantic:
            if (o_.new_sar) return model_->named_parameters(SrPart::SarHead);
            append(out, lora_params(*model_, phase_name(phase)));  // the phase is its LoRA branch
            append(out, model_->named_parameters(SrPart::Knowledge));
            append(out, model_->named_parameters(SrPart::SarHead));
            return out;
    }
    return out;
}

NamedParams Run::all_weights() {
    NamedParams out;
    if (o_.stage == TrainStage::Base) {
        append(out, model_->named_parameters(SrPart::Vae));
        append(out, model_->named_parameters(SrPart::Unet));
        return out;
    }
    append(out, lora_params(*model_, ""));
    append(out, model_->named_parameters(SrPart::Knowledge));
    append(out, model_->named_parameters(SrPart::SarHead));
    return out;
}

void Run::open_run_folder() {
    train_ = scan_dataset(o_.datasets, "train");
    // Validation on the datasets' test/ folders that hold samples (none: validation
    // is skipped; lssr-tile --test-fraction 0 leaves test/ empty).
    std::vector<std::string> held_out;
    for (const auto& d : o_.datasets)
        if (holds_samples(fs::path(d) / "test")) held_out.push_back(d);
    if (!held_out.empty()) val_ = scan_dataset(held_out, "test");
    folder_ = std::make_unique<RunFolderGuard>(o_.run_dir, rank_ == 0);
    fs::create_directories(o_.run_dir);
    checkpoint_path_ = (fs::path(o_.run_dir) / kCheckpoint).string();
    log_path_ = (fs::path(o_.run_dir) / "log.jsonl").string();
    have_checkpoint_ = fs::exists(checkpoint_path_);
    if (rank_ == 0 && !o_.resume && !o_.overwrite && (have_checkpoint_ || fs::exists(log_path_)))
        throw OptionError(o_.run_dir + ": holds a run already; use --resume to continue it or --overwrite to start over");
    if (o_.resume && !have_checkpoint_) warn_(o_.run_dir + ": no checkpoint to resume from; starting at step 0");
}

void Run::prepare_base() {
    configs_ = read_base_model_configs(o_.base_model);
    torch::manual_seed(o_.seed);
    auto fresh = new_base_model(o_.base_model, o_.seed);
    // Weights already in the folder are continued from; the rest starts fresh.
    const auto files = base_model_files(o_.base_model);
    if (fs::exists(files.vae_weights)) {
        load_module_weights(*fresh.vae, SafetensorsFile(files.vae_weights), rename_legacy_vae_key);
    } else if (o_.vae_steps <= 0) {
        throw OptionError("--vae-steps 0 needs trained VAE weights in " + files.vae_weights);
    }
    if (fs::exists(files.unet_weights)) load_module_weights(*fresh.unet, SafetensorsFile(files.unet_weights));
    const auto prompt = zero_prompt_embedding(fresh.unet->config().cross_attention_dim);
    model_ = std::make_unique<SrModel>(std::move(fresh), prompt, o_.timestep);
    model_->to(o_.device);
    base().vae->train();
    base().unet->train();
}

void Run::prepare_lssr() {
    torch::manual_seed(o_.seed);
    if (!o_.model.empty()) {
        model_ = std::make_unique<SrModel>(load_bundle(o_.model));
        SafetensorsFile file(o_.model);
        const auto& meta = file.metadata();
        if (meta.count("base") && meta.at("base") == "embedded") {
            // The bundle carries its base: write it out so the result can embed it again.
            base_dir_ = (fs::path(o_.run_dir) / "base").string();
            configs_ = {meta.at("unet_config"), meta.at("vae_config")};
            if (rank_ == 0) save_base_model(base(), configs_, base_dir_);
        } else {
            base_dir_ = meta.count("base_path") ? meta.at("base_path") : std::string();
        }
    } else {
        base_dir_ = o_.base_model;
        auto base = load_base_model(o_.base_model);
        const auto prompt = zero_prompt_embedding(base.unet->config().cross_attention_dim);
        model_ = std::make_unique<SrModel>(std::move(base), prompt, o_.timestep);
    }
    auto& unet = *base().unet;
    for (auto& p : unet.parameters()) p.set_requires_grad(false);
    for (auto& p : base().vae->parameters()) p.set_requires_grad(false);
    if (!has_lora(unet)) {
        LoraSpec spec;
        spec.rank = o_.lora_rank;
        spec.alpha = o_.lora_alpha;
        add_lora_branch(unet, phase_name(Phase::LssrPixel), spec);
        add_lora_branch(unet, phase_name(Phase::LssrSemantic), spec);
    }
    const int64_t latent = base().vae->config().latent_channels;
    const int64_t vae_factor = int64_t{1} << (base().vae->config().block_out_channels.size() - 1);
    // New side modules start with gamma 0 (as LoRA's B = 0): the base's output
    // is unchanged at step 0 and training moves away from it, not from noise.
    torch::NoGradGuard no_grad;
    if (o_.knowledge && !model_->knowledge) {
        model_->knowledge = KnowledgeModule(latent, o_.knowledge_dim, o_.knowledge_heads, std::max<int64_t>(1, 8 / vae_factor));
        model_->knowledge->gamma_rgb.zero_();
        model_->knowledge->gamma_ir.zero_();
    }
    if (!o_.knowledge) model_->knowledge = nullptr;
    if (o_.new_sar) model_->sar_head = nullptr;
    if (o_.sar_head && !model_->sar_head) {
        const auto& shape = o_.sar_shape;
        model_->sar_head = SarHead(3, 2, shape.dim, shape.heads, shape.layers, shape.window, shape.token_stride);
        model_->sar_head->named_parameters()["gamma"].zero_();
    }
    if (!o_.sar_head) model_->sar_head = nullptr;
    model_->set_timestep(o_.timestep);
    model_->to(o_.device);
    if (model_->knowledge) model_->knowledge->train();
    if (model_->sar_head) model_->sar_head->train();
}

void Run::prepare_losses() {
    if (o_.stage != TrainStage::Lssr) return;
    if (o_.weights.lpips > 0) {
        if (o_.lpips_weights.empty())
            warn_("LPIPS term off: no --lpips-weights (VGG16 + LPIPS heads as safetensors) given");
        else
            lpips_ = std::make_unique<Lpips>(Lpips::load(o_.lpips_weights));
    }
    if (o_.weights.csd > 0) {
        if (o_.csd_base.empty() || o_.positive_prompt.empty() || o_.negative_prompt.empty()) {
            warn_("CSD term off: it needs --csd-base (a pretrained text-conditioned SD base) and "
                  "--positive-prompt/--negative-prompt embeddings");
        } else {
            auto csd_base = load_base_model(o_.csd_base);
            const int64_t width = csd_base.unet->config().cross_attention_dim;
            csd_base.unet->to(o_.device);
            csd_ = std::make_unique<CsdLoss>(csd_base.unet, load_prompt_embedding(o_.positive_prompt, width).to(o_.device),
                                             load_prompt_embedding(o_.negative_prompt, width).to(o_.device), CsdOptions{});
        }
    }
}

// SD's recipe: scale latents to unit variance (over the first training samples).
void Run::set_scaling_factor() {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> latents;
    const size_t n = std::min<size_t>(train_.size(), 32);
    for (size_t i = 0; i < n; ++i) {
        const auto s = load_sample(train_[i]);
        const auto x = target_images(s.hr.unsqueeze(0).to(o_.device), s.lr.unsqueeze(0), model_->size_multiple(), normalisation());
        latents.push_back(base().vae->encode(x).mean.flatten());
    }
    double sum = 0, count = 0;
    for (const auto& l : latents) {
        sum += l.sum().item<double>();
        count += static_cast<double>(l.numel());
    }
    const double mean = sum / count;
    double var = 0;
    for (const auto& l : latents) var += (l - mean).pow(2).sum().item<double>();
    const double std = std::sqrt(var / count);
    base().scaling_factor = std > 0 ? 1.0 / std : 1.0;
    if (world_ > 1) {
        // Every rank computed the same value from the same files; keep rank 0's bits anyway.
        auto t = torch::tensor({base().scaling_factor}, torch::kFloat64);
        o_.group->broadcast({t}, 0);
        base().scaling_factor = t.item<double>();
    }
    scaling_factor_set_ = true;
}

TrainBatch Run::load_batch(int64_t step, SampleOrder& order) {
    std::vector<TrainSample> samples;
    for (int64_t j = 0; j < o_.batch; ++j) {
        const int64_t item = static_cast<int64_t>(rank_) * o_.batch + j;
        const int64_t position = step * o_.batch * world_ + item;
        auto gen = step_generator(o_.seed, kAugment, static_cast<uint64_t>(step), static_cast<uint64_t>(item));
        samples.push_back(augment(load_sample(train_[order.at(position)]), o_.crop, true, gen));
    }
    return collate(samples);
}

// The base UNet's eps at the run's timestep with the empty (zero) prompt.
torch::Tensor Run::base_unet(const torch::Tensor& z) {
    const auto t = torch::full({z.size(0)}, o_.timestep, torch::TensorOptions().dtype(torch::kInt64).device(z.device()));
    const auto width = base().unet->config().cross_attention_dim;
    const auto context = zero_prompt_embedding(width).to(z.device());
    return base().unet->forward(z, t, context.expand({z.size(0), context.size(1), width}));
}

Losses Run::compute(Phase phase, const TrainBatch& batch, int64_t step) {
    switch (phase) {
        case Phase::BaseVae: return vae_losses(batch);
        case Phase::BaseUnet: return unet_losses(batch);
        case Phase::BaseDecoder: return decoder_losses(batch);
        case Phase::LssrPixel:
        case Phase::LssrSemantic: return lssr_losses(phase, batch, step);
    }
    return {};
}

// Reconstruction of the HR patch: L2 + FFT + a small KL term.
Losses Run::vae_losses(const TrainBatch& batch) {
    const auto& w = o_.weights;
    Losses L;
    const auto x = target_images(batch.hr.to(o_.device), batch.lr, model_->size_multiple(), normalisation());
    const auto post = base().vae->encode(x);
    const auto rec = base().vae->decode(post.mean);
    L.add("l2", w.l2, l2_loss(rec, x));
    L.add("fft", w.fft, fft_loss(rec, x));
    const auto kl = 0.5 * (post.mean.pow(2) + post.logvar.exp() - 1.0 - post.logvar).mean();
    L.add("kl", 1e-6, kl);
    return L;
}

// The one-step residual in latent space: UNet(z_lr, t) -> z_lr - z_hr.
Losses Run::unet_losses(const TrainBatch& batch) {
    Losses L;
    const int64_t m = model_->size_multiple();
    const auto mode = normalisation();
    const auto hr = batch.hr.to(o_.device);
    torch::Tensor z_lr, z_hr;
    {
        torch::NoGradGuard no_grad;
        const double sf = base().scaling_factor;
        const auto lr = batch.lr.to(o_.device);
        z_lr = base().vae->encode(network_input(lr, m, mode, branch_scaling(lr, mode))).mean * sf;
        z_hr = base().vae->encode(target_images(hr, lr, m, mode)).mean * sf;
    }
    L.add("latent_l2", 1.0, l2_loss(base_unet(z_lr), z_lr - z_hr));
    return L;
}

// The decoder on the one-step outputs (encoder and UNet frozen), as SD's ft-MSE decoder was.
Losses Run::decoder_losses(const TrainBatch& batch) {
    const auto& w = o_.weights;
    Losses L;
    const int64_t m = model_->size_multiple();
    const auto mode = normalisation();
    const auto hr = batch.hr.to(o_.device);
    torch::Tensor denoised;
    {
        torch::NoGradGuard no_grad;
        const auto lr = batch.lr.to(o_.device);
        const auto z_lr = base().vae->encode(network_input(lr, m, mode, branch_scaling(lr, mode))).mean * base().scaling_factor;
        denoised = z_lr - base_unet(z_lr);
    }
    const int64_t H = hr.size(2), W = hr.size(3);
    const auto images = base().vae->decode(denoised / base().scaling_factor).slice(2, 0, H).slice(3, 0, W);
    // Losses in the fixed space, as in the LSSR phases.
    const auto y = mode == InputNormalisation::Fixed ? images : to_branches(images_to_reflectance(images, batch.lr, mode));
    L.add("l2", w.l2, l2_loss(y, to_branches(hr)));
    if (w.consistency > 0) {
        // Branch order on both sides: the block means are compared band by band.
        const auto lr_branches = (to_branches(batch.lr.to(o_.device).clamp(0.0, 1.0)) + 1.0) * 0.5;
        L.add("consistency", w.consistency, consistency_loss((y.clamp(-1.0, 1.0) + 1.0) * 0.5, lr_branches));
    }
    return L;
}

// The paper's losses through the forward lssr-upscale runs; LPIPS and CSD in the semantic phase only.
Losses Run::lssr_losses(Phase phase, const TrainBatch& batch, int64_t step) {
    const auto& w = o_.weights;
    Losses L;
    const auto hr = batch.hr.to(o_.device);
    SideTensors aux{batch.dem, batch.landcover, batch.s1, batch.month};
    auto out = model_->forward_full(batch.lr, aux);
    if (o_.loss_on_projection) {
        out.reflectance = consistent_projection(out.reflectance, batch.lr);
        const auto branches = to_branches(out.reflectance);
        out.rgb = branches.slice(0, 0, batch.size());
        out.ir = branches.slice(0, batch.size());
    }
    const auto target = to_branches(hr);
    const int64_t B = batch.size();
    const auto t_rgb = target.slice(0, 0, B), t_ir = target.slice(0, B);
    L.add("l2", w.l2, l2_loss(out.rgb, t_rgb) + l2_loss(out.ir, t_ir));
    L.add("fft", w.fft, fft_loss(out.rgb, t_rgb) + fft_loss(out.ir, t_ir));
    L.add("ndvi", w.ndvi, ndvi_loss(out.rgb, out.ir, t_rgb, t_ir, w.ndvi_kind));
    if (w.consistency > 0)
        L.add("consistency", w.consistency, consistency_loss(out.reflectance, batch.lr.to(o_.device).clamp(0.0, 1.0)));
    if (phase == Phase::LssrSemantic) {
        if (lpips_) L.add("lpips", w.lpips, (*lpips_)(out.rgb, t_rgb) + (*lpips_)(out.ir, t_ir));
        if (csd_) {
            auto gen = step_generator(o_.seed, kCsd, static_cast<uint64_t>(step), static_cast<uint64_t>(rank_));
            L.add("csd", w.csd, (*csd_)(out.latent_rgb, gen));
        }
    }
    return L;
}

json Run::validate(Phase phase) {
    json v = json::object();
    if (val_.empty()) return v;
    torch::NoGradGuard no_grad;
    double sr_rgb = 0, sr_ir = 0, bl_rgb = 0, bl_ir = 0, consistency = 0, pr_rgb = 0, pr_ir = 0;
    const size_t n = std::min<size_t>(val_.size(), static_cast<size_t>(std::max<int64_t>(1, o_.val_samples)));
    const bool reconstruction = phase == Phase::BaseVae;
    for (size_t i = 0; i < n; ++i) {
        const auto s = load_sample(val_[i]);
        const auto lr = s.lr.unsqueeze(0);
        const auto hr = s.hr.unsqueeze(0).to(o_.device);
        torch::Tensor pred;
        if (reconstruction) {
            // The autoencoder's reconstruction of the HR patch.
            const auto x = target_images(hr, lr, model_->size_multiple(), normalisation());
            const auto rec = base().vae->decode(base().vae->encode(x).mean).slice(2, 0, hr.size(2)).slice(3, 0, hr.size(3));
            pred = images_to_reflectance(rec, lr, normalisation());
        } else {
            SideTensors aux;
            if (s.dem.defined()) aux.dem = s.dem.unsqueeze(0);
            if (s.landcover.defined()) aux.landcover = s.landcover.unsqueeze(0);
            if (s.s1.defined()) aux.s1 = s.s1.unsqueeze(0);
            aux.month = torch::tensor({static_cast<int64_t>(s.month)}, torch::kInt64);
            pred = model_->forward_full(lr, aux).reflectance;
            consistency += consistency_loss(pred, lr.to(pred.device()).clamp(0.0, 1.0)).item<double>();
            // What lssr-upscale returns by default (--consistency exact).
            const auto projected = consistent_projection(pred, lr);
            pr_rgb += psnr(projected.slice(1, 0, 3), hr.slice(1, 0, 3));
            pr_ir += psnr(projected.slice(1, 3, 6), hr.slice(1, 3, 6));
        }
        const auto bl = upsample_x3(lr).to(o_.device);
        sr_rgb += psnr(pred.slice(1, 0, 3), hr.slice(1, 0, 3));
        sr_ir += psnr(pred.slice(1, 3, 6), hr.slice(1, 3, 6));
        bl_rgb += psnr(bl.slice(1, 0, 3), hr.slice(1, 0, 3));
        bl_ir += psnr(bl.slice(1, 3, 6), hr.slice(1, 3, 6));
    }
    const double k = static_cast<double>(n);
    v["samples"] = n;
    v[reconstruction ? "psnr_rgb_reconstruction" : "psnr_rgb"] = sr_rgb / k;
    v[reconstruction ? "psnr_ir_reconstruction" : "psnr_ir"] = sr_ir / k;
    if (!reconstruction) {
        v["consistency_mae"] = consistency / k;
        v["psnr_rgb_projected"] = pr_rgb / k;
        v["psnr_ir_projected"] = pr_ir / k;
    }
    v["psnr_rgb_bilinear"] = bl_rgb / k;
    v["psnr_ir_bilinear"] = bl_ir / k;
    return v;
}

// Freezes the previous phase's parameters, makes the phase's trainable and
// gives them a fresh AdamW (or the checkpoint's state, on resume).
void Run::enter_phase(Phase phase, bool restore_optimizer) {
    if (phase_) set_trainable(params_, false);
    phase_ = phase;
    if ((phase == Phase::BaseUnet || phase == Phase::BaseDecoder) && !scaling_factor_set_) set_scaling_factor();
    if (o_.stage == TrainStage::Lssr) {
        set_trainable(all_weights(), false);
        set_lora_branch_active(*base().unet, phase_name(Phase::LssrSemantic), phase == Phase::LssrSemantic);
    }
    params_ = trainables(phase);
    if (o_.stage == TrainStage::Base) {
        set_trainable(model_->named_parameters(SrPart::Vae), phase == Phase::BaseVae);
        set_trainable(model_->named_parameters(SrPart::Unet), phase == Phase::BaseUnet);
    }
    set_trainable(params_, true);
    optimizer_ = std::make_unique<torch::optim::AdamW>(
        tensors_of(params_),
        torch::optim::AdamWOptions(o_.effective_learning_rate()).weight_decay(o_.weight_decay).betas({0.9, 0.999}).eps(1e-8));
    if (restore_optimizer) load_checkpoint_optimizer(checkpoint_path_, params_, *optimizer_);
}

StepMetrics Run::step(SampleOrder& order) {
    const auto t0 = Clock::now();
    if (phase_at(step_) != *phase_) enter_phase(phase_at(step_), false);
    const auto batch = load_batch(step_, order);
    auto losses = compute(*phase_, batch, step_);
    if (!losses.total.defined()) throw Error("every loss term is off: nothing to train");
    if (!torch::isfinite(losses.total).item<bool>())
        throw Error("loss is not finite at step " + std::to_string(step_ + 1) + " (lower --lr?)");
    const double lr = learning_rate_at(step_);
    for (auto& group : optimizer_->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    optimizer_->zero_grad();
    losses.total.backward();
    auto tensors = tensors_of(params_);
    if (o_.group) o_.group->average_gradients(tensors);
    if (o_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(tensors, o_.grad_clip);
    optimizer_->step();
    ++step_;

    StepMetrics m;
    m.step = step_;
    m.phase = *phase_;
    m.loss = losses.total.item<double>();
    if (o_.group) m.loss = o_.group->sum(m.loss) / world_;
    for (const auto& [name, value] : losses.terms) {
        double v = value.item<double>();
        if (o_.group) v = o_.group->sum(v) / world_;
        m.terms.emplace_back(name, v);
    }
    m.learning_rate = lr;
    m.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return m;
}

// Continues from the run folder's checkpoint when asked to: the step, the
// weights and the VAE scaling factor (the optimizer state follows in enter_phase).
void Run::resume() {
    if (!(o_.resume && have_checkpoint_)) return;
    const auto state = read_checkpoint_state(checkpoint_path_);
    step_ = state.step;
    load_checkpoint_weights(checkpoint_path_, all_weights());
    if (state.extra.count("scaling_factor")) {
        base().scaling_factor = std::stod(state.extra.at("scaling_factor"));
        scaling_factor_set_ = true;
    }
}

void Run::save_checkpoint() {
    if (rank_ != 0) return;
    CheckpointState state;
    state.step = step_;
    if (scaling_factor_set_ && o_.stage == TrainStage::Base) {
        std::ostringstream sf;
        sf << std::setprecision(17) << base().scaling_factor;
        state.extra["scaling_factor"] = sf.str();
    }
    sr::save_checkpoint(checkpoint_path_, state, all_weights(), params_, *optimizer_);
    folder_->keep();
}

void Run::log_step(const StepMetrics& metrics) {
    const bool last = metrics.step == o_.steps;
    json validation;  // null: not validated at this step
    if ((o_.val_every > 0 && metrics.step % o_.val_every == 0) || last) validation = validate(metrics.phase);
    log_->write(metrics, validation);
}

std::string Run::finish() {
    if (o_.stage == TrainStage::Base) {
        const auto dir = (fs::path(o_.run_dir) / "base").string();
        save_base_model(base(), configs_, dir);
        return dir;
    }
    const auto path = (fs::path(o_.run_dir) / "model.safetensors").string();
    BundleWriteOptions w;
    w.base_dir = base_dir_;
    long long base_params = 0;
    for (const auto& p : base().unet->parameters()) base_params += p.numel();
    for (const auto& p : base().vae->parameters()) base_params += p.numel();
    // Small bases travel inside the bundle; SD-sized ones are referred to.
    w.embed_base = base_params < 50'000'000;
    w.lora_alpha = o_.lora_alpha;
    w.overwrite = true;
    w.provenance = {{"tool", "lssr-train"},
                    {"steps", std::to_string(o_.steps)},
                    {"pix_steps", std::to_string(o_.pix_steps)},
                    {"seed", std::to_string(o_.seed)},
                    {"learning_rate", std::to_string(o_.effective_learning_rate())}};
    write_bundle(path, *model_, w);
    return path;
}

std::string Run::weights_sha256() {
    std::string bytes;
    for (const auto& [name, t] : all_weights()) {
        const auto c = t.detach().to(torch::kCPU).contiguous();
        bytes.append(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
    }
    return sha256_hex(bytes);
}

TrainResult Run::execute(const Progress& progress) {
    const auto started = Clock::now();
    o_.validate();
    if (o_.group) {
        rank_ = o_.group->rank();
        world_ = o_.group->world_size();
    }
    open_run_folder();
    if (o_.stage == TrainStage::Base) prepare_base();
    else prepare_lssr();
    prepare_losses();
    resume();
    if (o_.stage == TrainStage::Base && o_.vae_steps <= 0) scaling_factor_set_ = true;  // came with the VAE
    if (o_.group) {
        auto all = tensors_of(all_weights());
        o_.group->broadcast(all, 0);
    }
    log_ = std::make_unique<TrainLog>(rank_ == 0 ? log_path_ : std::string(), o_.resume ? step_ : 0);

    SampleOrder order(static_cast<int64_t>(train_.size()), o_.seed);
    if (step_ < o_.steps) enter_phase(phase_at(step_), o_.resume && have_checkpoint_);
    while (step_ < o_.steps) {
        const auto metrics = step(order);
        log_step(metrics);
        if (step_ % std::max<int64_t>(1, o_.checkpoint_every) == 0 || step_ == o_.steps || phase_at(step_) != *phase_)
            save_checkpoint();
        report(progress, static_cast<double>(step_) / o_.steps,
               "step " + std::to_string(step_) + " " + phase_name(*phase_) + " loss " + std::to_string(metrics.loss));
    }
    TrainResult result;
    result.steps_done = step_;
    result.weights_sha256 = weights_sha256();
    if (rank_ == 0) result.output = finish();
    folder_->keep();
    if (o_.group) o_.group->barrier();
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return result;
}

}  // namespace

double default_learning_rate(TrainStage stage) { return stage == TrainStage::Base ? 1e-3 : 5e-5; }

double TrainOptions::effective_learning_rate() const {
    return learning_rate > 0 ? learning_rate : default_learning_rate(stage);
}

void TrainOptions::validate() const {
    if (steps <= 0) throw OptionError("--steps must be positive");
    if (batch <= 0) throw OptionError("--batch must be positive");
    if (learning_rate < 0) throw OptionError("--lr must be positive");
    if (stage == TrainStage::Base) {
        if (base_model.empty()) throw OptionError("--stage base needs --base-model DIR holding unet/ and vae/ config.json");
        if (vae_steps < 0 || decoder_steps < 0 || vae_steps + decoder_steps > steps)
            throw OptionError("--vae-steps plus --decoder-steps must not exceed --steps");
    } else {
        if (!model.empty() && !base_model.empty()) throw OptionError("give --model or --base-model, not both");
        if (model.empty() && base_model.empty())
            throw OptionError("name the model to train: --model BUNDLE or --base-model DIR");
    }
    if (new_sar && (stage != TrainStage::Lssr || model.empty()))
        throw OptionError("--new-sar replaces the SAR head of a bundle: give --model BUNDLE");
    if (new_sar && !sar_head) throw OptionError("--new-sar and --no-sar contradict each other");
    if (loss_on_projection && stage != TrainStage::Lssr)
        throw OptionError("--loss-on-projection applies to --stage lssr (the base stage trains in latent space)");
    if (sar_shape.window <= 0) throw OptionError("--sar-window must be positive");
    if (sar_shape.token_stride <= 0 || sar_shape.token_stride > 16)
        throw OptionError("--sar-stride must be 1 to 16");
    if (sar_shape.heads <= 0) throw OptionError("--sar-heads must be positive");
    if (sar_shape.dim % sar_shape.heads != 0) throw OptionError("--sar-dim must be a multiple of --sar-heads");
}

TrainResult train(const TrainOptions& options, const Progress& progress,
                  const std::function<void(const std::string&)>& warn) {
    Run run(options, warn ? warn : [](const std::string&) {});
    return run.execute(progress);
}

}  // namespace lssr::sr
