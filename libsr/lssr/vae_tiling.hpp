#pragma once
// The autoencoder on large images in overlapping tiles, so that memory stays
// bounded whatever --tile asks: an SD 2.1 VAE holds 128-channel activations at
// full resolution and a mid-block attention over every latent pixel, which for
// a 512-pixel input tile (1536 px out) would need over 10 GB. Tiles are
// blended with libio/tiling's raised-cosine weights (as diffusers' tiled VAE
// does with linear ones); each tile's group norms and attention see that tile
// only, so a tiled image differs somewhat from a whole one. Images no larger
// than one tile go through whole, so the default 64-pixel tiles (192 px out)
// are computed exactly as without tiling.
#include <torch/torch.h>

#include "libsr/model/vae.hpp"

namespace lssr::sr {

struct VaeTiling {
    int64_t image_tile = 512;  // image pixels per side of a tile; 0 = never tile
    int64_t image_overlap = 128;
};

// encode(x).mean for x [B,C,H,W] (H, W multiples of the VAE's factor).
torch::Tensor encode_mean_tiled(AutoencoderKLImpl& vae, const torch::Tensor& x, const VaeTiling& tiling);
// decode(z) for an unscaled latent z [B,4,h,w].
torch::Tensor decode_tiled(AutoencoderKLImpl& vae, const torch::Tensor& z, const VaeTiling& tiling);

// The VAE's down-sampling factor (8 for Stable Diffusion).
int64_t vae_factor(const AutoencoderKLImpl& vae);

}  // namespace lssr::sr
