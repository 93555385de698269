#pragma once
// Data-parallel training across processes through LibTorch's own c10d: a TCPStore
// rendezvous (rank 0 serves it on MASTER_ADDR:MASTER_PORT) and a Gloo process group
// on CPU (NCCL on CUDA when built with LSSR_WITH_NCCL). The c10d and gloo headers stay
// in distributed.cpp so that users of this header only see LibTorch's public types.
#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace lssr::sr {

// Where this process sits in a data-parallel job, as torchrun describes it.
struct DistributedEnv {
    int rank = 0, world_size = 1, local_rank = 0;
    std::string master_addr = "127.0.0.1";
    int master_port = 29500;

    // Reads RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT. Neither RANK nor
    // WORLD_SIZE set -> one process. LOCAL_RANK defaults to RANK (one machine).
    // A bad value (not a number, rank >= world size, only one of RANK/WORLD_SIZE, port out
    // of range, ...) -> lssr::OptionError naming the variable.
    static DistributedEnv from_environment();
    bool distributed() const { return world_size > 1; }
};

// One per process. With world_size 1 every call is a no-op (sum returns its argument),
// so training code needs no special case for a single process. Every rank must make
// the same calls in the same order. Failures (a peer died, a timeout, the port in use)
// -> lssr::Error naming MASTER_ADDR:MASTER_PORT and the rank.
class ProcessGroup {
public:
    // CPU -> Gloo; CUDA -> NCCL (lssr::OptionError when this build has no NCCL).
    // Blocks until all world_size processes have joined, or timeout passes. The same
    // timeout bounds every collective afterwards.
    ProcessGroup(const DistributedEnv& env, const torch::Device& device,
                 std::chrono::seconds timeout = std::chrono::seconds(300));
    ~ProcessGroup();
    ProcessGroup(const ProcessGroup&) = delete;
    ProcessGroup& operator=(const ProcessGroup&) = delete;

    int rank() const;
    int world_size() const;

    // Overwrites every tensor with root's values (e.g. the parameters at the start, so
    // that all ranks train the same model). Tensors may be leaves that require grad.
    void broadcast(std::vector<torch::Tensor> tensors, int root = 0);

    // Replaces p.grad() by its mean over all ranks, for every parameter that requires
    // grad. A parameter whose grad is undefined here but defined on another rank gets a
    // zero grad before averaging, so all ranks end with the same grads defined; one
    // without a grad on every rank is left alone. Gradients travel flattened in buckets.
    void average_gradients(const std::vector<torch::Tensor>& parameters);

    // Sum of value over all ranks (e.g. for logging the mean loss).
    double sum(double value);

    void barrier();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lssr::sr
