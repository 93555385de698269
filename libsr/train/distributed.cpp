// Data-parallel collectives on LibTorch's c10d. Debian's libtorch_cpu.so is built with
// Gloo (it links libgloo.so.0) but its headers only declare ProcessGroupGloo when
// USE_C10D_GLOO is defined, and they include gloo's own headers (libgloo-dev).
#define USE_C10D_GLOO 1
#include "libsr/train/distributed.hpp"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/version.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef LSSR_WITH_NCCL
#define USE_C10D_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <functional>

#include "libio/core/errors.hpp"

namespace lssr::sr {

namespace {

// The base class of c10d's Gloo and NCCL groups: ProcessGroup in LibTorch 1.x, Backend
// from 2.0 on (a CUDA LibTorch for NCCL may well be newer than Debian's 1.13).
#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif

const char* env_value(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? value : nullptr;
}

// Whole-string decimal integer in [low, high], else OptionError naming the variable.
int parse_env_int(const char* name, const char* text, long low, long high) {
    errno = 0;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        throw OptionError(fmt::format("environment variable {}: '{}' is not an integer", name, text));
    if (value < low || value > high)
        throw OptionError(fmt::format("environment variable {}: {} is out of range [{}, {}]", name, value,
                                      low, high));
    return static_cast<int>(value);
}

bool is_loopback(const std::string& host) {
    return host.rfind("127.", 0) == 0 || host == "localhost" || host == "::1";
}

// c10::Error carries a multi-line C++ backtrace; users get its first line only.
std::string reason_of(const std::exception& e) {
    std::string text = e.what();
    if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) text = c10_error->what_without_backtrace();
    const auto newline = text.find('\n');
    if (newline != std::string::npos) text.resize(newline);
    return text;
}

// Gradients travel in flat buffers of at most this size: few large messages are
// fast, and the copy never doubles the memory of a whole large model at once.
constexpr int64_t kBucketBytes = 32 << 20;

// Consecutive runs of tensors with one dtype, each run at most kBucketBytes (a single
// larger tensor forms its own bucket). Every rank cuts the same buckets.
std::vector<std::vector<torch::Tensor>> buckets_of(const std::vector<torch::Tensor>& tensors) {
    std::vector<std::vector<torch::Tensor>> buckets;
    int64_t bytes = 0;
    for (const auto& t : tensors) {
        const int64_t size = t.numel() * static_cast<int64_t>(t.element_size());
        if (buckets.empty() || buckets.back().front().scalar_type() != t.scalar_type() ||
            bytes + size > kBucketBytes) {
            buckets.emplace_back();
            bytes = 0;
        }
        buckets.back().push_back(t);
        bytes += size;
    }
    return buckets;
}

}  // namespace

DistributedEnv DistributedEnv::from_environment() {
    DistributedEnv env;
    const char* rank = env_value("RANK");
    const char* world = env_value("WORLD_SIZE");
    if (rank == nullptr && world == nullptr) return env;
    if (world == nullptr) throw OptionError("environment variable WORLD_SIZE: not set, but RANK is");
    if (rank == nullptr) throw OptionError("environment variable RANK: not set, but WORLD_SIZE is");
    env.world_size = parse_env_int("WORLD_SIZE", world, 1, INT_MAX);
    env.rank = parse_env_int("RANK", rank, 0, INT_MAX);
    if (env.rank >= env.world_size)
        throw OptionError(fmt::format("environment variable RANK: {} is not below WORLD_SIZE {}", env.rank,
                                      env.world_size));
    const char* local = env_value("LOCAL_RANK");
    env.local_rank = local != nullptr ? parse_env_int("LOCAL_RANK", local, 0, env.world_size - 1) : env.rank;
    if (const char* addr = env_value("MASTER_ADDR")) env.master_addr = addr;
    if (const char* port = env_value("MASTER_PORT")) env.master_port = parse_env_int("MASTER_PORT", port, 1, 65535);
    return env;
}

struct ProcessGroup::Impl {
    DistributedEnv env;
    torch::Device device{torch::kCPU};
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<Collectives> group;  // null for a single process

    // Runs a c10d call; any failure becomes one lssr::Error line a user can act on.
    template <typename F>
    auto guarded(const char* what, F&& call) -> decltype(call()) {
        try {
            return call();
        } catch (const Error&) {
            throw;
        } catch (const std::exception& e) {
            throw Error(fmt::format("distributed {} failed on rank {} of {} (MASTER_ADDR:MASTER_PORT {}:{}): {}",
                                    what, env.rank, env.world_size, env.master_addr, env.master_port,
                                    reason_of(e)));
        }
    }

    void wait(const c10::intrusive_ptr<c10d::Work>& work) { work->wait(); }
};

namespace {

c10::intrusive_ptr<Collectives> make_gloo_group(const DistributedEnv& env,
                                                       const c10::intrusive_ptr<c10d::Store>& store,
                                                       std::chrono::milliseconds timeout) {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // As torch.distributed: GLOO_SOCKET_IFNAME picks the interface; on one machine the
    // loopback address of MASTER_ADDR; else the address this host's name resolves to.
    if (const char* ifname = env_value("GLOO_SOCKET_IFNAME"))
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (is_loopback(env.master_addr))
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(
            env.master_addr == "localhost" ? "127.0.0.1" : env.master_addr));
    else
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    return c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, options);
}

}  // namespace

ProcessGroup::ProcessGroup(const DistributedEnv& env, const torch::Device& device, std::chrono::seconds timeout)
    : impl_(std::make_unique<Impl>()) {
    if (env.world_size < 1 || env.rank < 0 || env.rank >= env.world_size)
        throw OptionError(fmt::format("distributed: rank {} is not in a world of size {}", env.rank, env.world_size));
    if (env.master_port < 1 || env.master_port > 65535)
        throw OptionError(fmt::format("distributed: MASTER_PORT {} is out of range [1, 65535]", env.master_port));
    if (timeout.count() <= 0) throw OptionError("distributed: the timeout must be positive");
    if (!device.is_cpu() && !device.is_cuda())
        throw OptionError(fmt::format("distributed: no collective backend for device {}", device.str()));
#ifndef LSSR_WITH_NCCL
    if (device.is_cuda())
        throw OptionError("distributed: training on cuda needs NCCL, and this build has none "
                          "(configure with -DLSSR_WITH_NCCL=ON against a CUDA LibTorch)");
#endif
    impl_->env = env;
    impl_->device = device;
    if (!env.distributed()) return;

    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
    impl_->guarded("rendezvous", [&] {
        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(env.master_port);
        options.isServer = env.rank == 0;
        options.numWorkers = static_cast<std::size_t>(env.world_size);
        options.waitWorkers = true;
        options.timeout = ms;
        impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
    });
    impl_->guarded("process group setup", [&] {
#ifdef LSSR_WITH_NCCL
        if (device.is_cuda()) {
            auto options = c10d::ProcessGroupNCCL::Options::create();
            options->timeout = ms;
            impl_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, env.rank, env.world_size, options);
            return;
        }
#endif
        impl_->group = make_gloo_group(env, impl_->store, ms);
    });
}

ProcessGroup::~ProcessGroup() = default;

int ProcessGroup::rank() const { return impl_->env.rank; }

int ProcessGroup::world_size() const { return impl_->env.world_size; }

void ProcessGroup::broadcast(std::vector<torch::Tensor> tensors, int root) {
    if (root < 0 || root >= world_size())
        throw OptionError(fmt::format("distributed broadcast: root {} is not in a world of size {}", root,
                                      world_size()));
    if (!impl_->group) return;
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> defined;
    for (const auto& t : tensors)
        if (t.defined()) defined.push_back(t);
    impl_->guarded("broadcast", [&] {
        c10d::BroadcastOptions options;
        options.rootRank = root;
        for (const auto& bucket : buckets_of(defined)) {
            std::vector<torch::Tensor> flat{at::flatten_dense_tensors(bucket).to(impl_->device)};
            impl_->wait(impl_->group->broadcast(flat, options));
            const auto pieces = at::unflatten_dense_tensors(flat.front(), bucket);
            for (size_t i = 0; i < bucket.size(); ++i) bucket[i].copy_(pieces[i]);
        }
    });
}

void ProcessGroup::average_gradients(const std::vector<torch::Tensor>& parameters) {
    if (!impl_->group) return;
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> trainable;
    for (const auto& p : parameters)
        if (p.defined() && p.requires_grad()) trainable.push_back(p);
    if (trainable.empty()) return;

    impl_->guarded("gradient all-reduce", [&] {
        // Which parameters have a grad on some rank: all ranks must send the same buffers.
        std::vector<int32_t> has_grad;
        for (const auto& p : trainable) has_grad.push_back(p.grad().defined() ? 1 : 0);
        std::vector<torch::Tensor> mask{
            torch::tensor(has_grad, torch::TensorOptions(torch::kInt32)).to(impl_->device)};
        impl_->wait(impl_->group->allreduce(mask));
        const auto anywhere = mask.front().cpu();
        const auto* counts = anywhere.data_ptr<int32_t>();

        std::vector<torch::Tensor> grads;
        for (size_t i = 0; i < trainable.size(); ++i) {
            if (counts[i] == 0) continue;
            auto& p = trainable[i];
            if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
            if (p.grad().is_sparse())
                throw Error(fmt::format("distributed gradient all-reduce on rank {}: sparse gradients are not "
                                        "supported", rank()));
            grads.push_back(p.grad());
        }
        // Start every bucket's all-reduce before waiting for the first one.
        const auto buckets = buckets_of(grads);
        std::vector<std::vector<torch::Tensor>> flats;
        std::vector<c10::intrusive_ptr<c10d::Work>> works;
        for (const auto& bucket : buckets) {
            flats.push_back({at::flatten_dense_tensors(bucket).to(impl_->device)});
            works.push_back(impl_->group->allreduce(flats.back()));
        }
        for (size_t b = 0; b < buckets.size(); ++b) {
            impl_->wait(works[b]);
            auto& flat = flats[b].front();
            flat.div_(world_size());
            const auto pieces = at::unflatten_dense_tensors(flat, buckets[b]);
            for (size_t i = 0; i < buckets[b].size(); ++i) buckets[b][i].copy_(pieces[i]);
        }
    });
}

double ProcessGroup::sum(double value) {
    if (!impl_->group) return value;
    return impl_->guarded("sum", [&] {
        std::vector<torch::Tensor> t{torch::full({1}, value, torch::TensorOptions(torch::kFloat64).device(impl_->device))};
        impl_->wait(impl_->group->allreduce(t));
        return t.front().item<double>();
    });
}

void ProcessGroup::barrier() {
    if (!impl_->group) return;
    impl_->guarded("barrier", [&] { impl_->wait(impl_->group->barrier()); });
}

}  // namespace lssr::sr
