#pragma once
// lssr-upscale command lines shared by the libsr CLI tests.
#include <string>
#include <vector>

#include "support.hpp"

namespace lssr::test {

// The sd-tiny diffusers base on the plain one-step path (SPEC §5), quiet, 2 threads.
inline std::vector<std::string> base_args() {
    return {"--base-model", data_path("sd-tiny/base"), "--adapter", "none", "--prompt-embedding",
            data_path("sd-tiny/prompt_embedding.safetensors"), "-q", "--threads", "2"};
}

// `args` followed by `more`.
inline std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

}  // namespace lssr::test
