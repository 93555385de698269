// LPIPS-VGG: loading the weights file (both VGG key spellings, typed errors
// for bad files) and the distance itself on VGG16-shaped random weights made
// at run time, plus one case small enough to work out by hand.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

#include "libio/core/errors.hpp"
#include "libsr/train/lpips.hpp"
#include "libsr/model/safetensors_torch.hpp"
#include "support.hpp"

using lssr::sr::Lpips;
using lssr::sr::NamedTensors;
using lssr::test::TempDir;

namespace {

struct Conv {
    int slice, index;
    int64_t in, out;
};
const std::vector<Conv> kVgg16 = {{1, 0, 3, 64},      {1, 2, 64, 64},     {2, 5, 64, 128},    {2, 7, 128, 128},
                                  {3, 10, 128, 256},  {3, 12, 256, 256},  {3, 14, 256, 256},  {4, 17, 256, 512},
                                  {4, 19, 512, 512},  {4, 21, 512, 512},  {5, 24, 512, 512},  {5, 26, 512, 512},
                                  {5, 28, 512, 512}};
const std::vector<int64_t> kLinChannels = {64, 128, 256, 512, 512};

enum class Naming { Lpips, Torchvision };

std::string conv_name(const Conv& c, Naming naming) {
    return naming == Naming::Lpips ? "net.slice" + std::to_string(c.slice) + "." + std::to_string(c.index)
                                   : "features." + std::to_string(c.index);
}

// He-initialised VGG16 convolutions and positive lin heads, seeded.
NamedTensors random_weights(Naming naming, uint64_t seed = 11) {
    torch::manual_seed(seed);
    NamedTensors t;
    for (const auto& c : kVgg16) {
        t.emplace_back(conv_name(c, naming) + ".weight", torch::randn({c.out, c.in, 3, 3}) * std::sqrt(2.0 / (9 * c.in)));
        t.emplace_back(conv_name(c, naming) + ".bias", torch::randn({c.out}) * 0.01);
    }
    for (std::size_t k = 0; k < kLinChannels.size(); ++k)
        t.emplace_back("lin" + std::to_string(k) + ".model.1.weight", torch::rand({1, kLinChannels[k], 1, 1}) * 0.1);
    return t;
}

torch::Tensor& tensor_named(NamedTensors& t, const std::string& name) {
    for (auto& [n, v] : t)
        if (n == name) return v;
    FAIL("no tensor " << name);
    throw;
}

std::string write(const TempDir& dir, const std::string& name, const NamedTensors& tensors) {
    const auto path = dir.file(name);
    lssr::sr::write_safetensors(path, tensors, {});
    return path;
}

// One VGG16-sized file (59 MB) for the tests that only need some valid weights.
const std::string& shared_weights_file() {
    static const TempDir dir;
    static const std::string path = write(dir, "lpips.safetensors", random_weights(Naming::Lpips));
    return path;
}

torch::Tensor image(uint64_t seed, int64_t batch = 2, int64_t size = 32) {
    torch::manual_seed(seed);
    return torch::rand({batch, 3, size, size}) * 2 - 1;
}

}  // namespace

TEST_CASE("LPIPS is zero for identical images, positive and symmetric otherwise", "[losses][lpips]") {
    const auto lpips = Lpips::load(shared_weights_file());
    const auto x = image(1);
    const auto y = image(2);
    torch::NoGradGuard no_grad;
    CHECK(lpips(x, x).item<double>() == 0.0);
    const auto d_xy = lpips.distance(x, y);
    REQUIRE(d_xy.sizes() == torch::IntArrayRef{2});
    CHECK((d_xy > 0).all().item<bool>());
    CHECK(torch::allclose(d_xy, lpips.distance(y, x)));
    CHECK(lpips(x, y).item<double>() == Approx(d_xy.mean().item<double>()));
    // A slightly perturbed image is closer than an unrelated one.
    const auto near = (x + 0.01 * torch::randn_like(x)).clamp(-1, 1);
    CHECK((lpips.distance(x, near) < d_xy).all().item<bool>());
}

TEST_CASE("LPIPS reads torchvision's VGG names as well as lpips' own", "[losses][lpips]") {
    TempDir dir;
    const auto a = Lpips::load(shared_weights_file());
    const auto b = Lpips::load(write(dir, "b.safetensors", random_weights(Naming::Torchvision)));
    torch::NoGradGuard no_grad;
    const auto x = image(3);
    const auto y = image(4);
    CHECK(torch::equal(a.distance(x, y), b.distance(x, y)));
}

TEST_CASE("LPIPS by hand: identity first layers and only the relu1_2 head", "[losses][lpips]") {
    // conv1_1 and conv1_2 copy channels 0..2 (centre tap 1, zero bias), every
    // head but lin0 is zero, so the distance is sum_c w_c (u_c - v_c)^2 with
    // u, v the unit-normalised relu((x - shift)/scale) of two constant images.
    auto t = random_weights(Naming::Lpips);
    auto identity = [](int64_t out, int64_t in) {
        auto w = torch::zeros({out, in, 3, 3});
        for (int64_t c = 0; c < 3; ++c) w[c][c][1][1] = 1.0;
        return w;
    };
    tensor_named(t, "net.slice1.0.weight") = identity(64, 3);
    tensor_named(t, "net.slice1.0.bias").zero_();
    tensor_named(t, "net.slice1.2.weight") = identity(64, 64);
    tensor_named(t, "net.slice1.2.bias").zero_();
    const std::vector<float> w = {0.5f, 1.0f, 2.0f};
    auto lin0 = torch::zeros({1, 64, 1, 1});
    for (int c = 0; c < 3; ++c) lin0[0][c][0][0] = w[c];
    tensor_named(t, "lin0.model.1.weight") = lin0;
    for (int k = 1; k < 5; ++k) tensor_named(t, "lin" + std::to_string(k) + ".model.1.weight").zero_();
    TempDir dir;
    const auto lpips = Lpips::load(write(dir, "hand.safetensors", t));

    const double shift[3] = {-0.030, -0.088, -0.188}, scale[3] = {0.458, 0.448, 0.450};
    const double xa[3] = {0.2, -0.05, 0.6}, xb[3] = {0.7, 0.4, -0.1};
    auto unit = [&](const double* x, double* u) {
        double norm = 0;
        for (int c = 0; c < 3; ++c) {
            u[c] = std::max(0.0, (x[c] - shift[c]) / scale[c]);
            norm += u[c] * u[c];
        }
        for (int c = 0; c < 3; ++c) u[c] /= std::sqrt(norm) + 1e-10;
    };
    double ua[3], ub[3];
    unit(xa, ua);
    unit(xb, ub);
    double expected = 0;
    for (int c = 0; c < 3; ++c) expected += w[c] * (ua[c] - ub[c]) * (ua[c] - ub[c]);

    auto constant_image = [](const double* x) {
        auto img = torch::empty({1, 3, 16, 16});
        for (int c = 0; c < 3; ++c) img[0][c].fill_(x[c]);
        return img;
    };
    torch::NoGradGuard no_grad;
    CHECK(lpips(constant_image(xa), constant_image(xb)).item<double>() == Approx(expected).epsilon(1e-5));
}

TEST_CASE("LPIPS passes gradients to both images but keeps its weights frozen", "[losses][lpips]") {
    const auto lpips = Lpips::load(shared_weights_file());
    auto x = image(5).requires_grad_(true);
    auto y = image(6).requires_grad_(true);
    const auto loss = lpips(x, y);
    CHECK(loss.requires_grad());
    loss.backward();
    for (const auto& g : {x.grad(), y.grad()}) {
        REQUIRE(g.defined());
        CHECK(torch::isfinite(g).all().item<bool>());
        CHECK(g.abs().sum().item<double>() > 0);
    }
    // No weight is a leaf asking for gradients: a frozen image pair has none.
    CHECK_FALSE(lpips(image(5), image(6)).requires_grad());
}

TEST_CASE("LPIPS weight files that are missing, short or mis-shaped are input errors naming file and tensor",
          "[losses][lpips]") {
    TempDir dir;
    using Catch::Matchers::Contains;
    CHECK_THROWS_AS(Lpips::load(dir.file("absent.safetensors")), lssr::InputError);
    CHECK_THROWS_WITH(Lpips::load(dir.file("absent.safetensors")), Contains("absent.safetensors"));

    auto no_lin4 = random_weights(Naming::Lpips);
    no_lin4.pop_back();
    const auto missing = write(dir, "no-lin4.safetensors", no_lin4);
    CHECK_THROWS_AS(Lpips::load(missing), lssr::InputError);
    CHECK_THROWS_WITH(Lpips::load(missing), Contains("no-lin4.safetensors") && Contains("lin4.model.1.weight"));

    auto wrong = random_weights(Naming::Torchvision);
    tensor_named(wrong, "features.12.weight") = torch::zeros({256, 256, 1, 1});
    const auto misshaped = write(dir, "wrong.safetensors", wrong);
    CHECK_THROWS_WITH(Lpips::load(misshaped), Contains("wrong.safetensors") && Contains("features.12.weight") &&
                                                  Contains("[256,256,1,1]") && Contains("[256,256,3,3]"));

    // Cut the file in the middle of its data.
    std::ifstream in(shared_weights_file(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const auto cut = dir.file("short.safetensors");
    std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
    CHECK_THROWS_AS(Lpips::load(cut), lssr::InputError);
    CHECK_THROWS_WITH(Lpips::load(cut), Contains("short.safetensors"));
}
