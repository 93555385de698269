#include "libcrop/image_stack.hpp"

#include <gdal_priv.h>

#include <cctype>
#include <filesystem>
#include <optional>
#include <regex>

#include "libio/core/dates.hpp"
#include "libio/core/errors.hpp"

namespace lssr::crop {
namespace {

std::optional<io::Date> first_date(const std::string& name) {
    // Digit runs of exactly 8 (YYYYMMDD) are tried first, then runs of 7 (YYYYDDD, as HLS names).
    static const std::regex eight("(^|[^0-9])((?:19|20)[0-9]{6})(?![0-9])");
    static const std::regex seven("(^|[^0-9])((?:19|20)[0-9]{2})([0-9]{3})(?![0-9])");
    for (auto it = std::sregex_iterator(name.begin(), name.end(), eight); it != std::sregex_iterator(); ++it)
        if (auto date = io::parse_date((*it)[2].str())) return date;
    for (auto it = std::sregex_iterator(name.begin(), name.end(), seven); it != std::sregex_iterator(); ++it) {
        const int year = std::stoi((*it)[2].str()), doy = std::stoi((*it)[3].str());
        try {
            return io::Date::from_day_of_year(year, doy);
        } catch (const std::invalid_argument&) {
        }
    }
    return std::nullopt;
}

}  // namespace

std::string date_from_name(const std::string& path) {
    const auto date = first_date(std::filesystem::path(path).filename().string());
    return date ? date->iso() : "";
}

std::string image_date(GDALDataset& dataset, const std::string& path) {
    if (const char* item = dataset.GetMetadataItem("ACQUISITION_DATE")) {
        // Accept "2021-06-28" and timestamps such as "2021-06-28T16:54:32Z".
        if (auto date = io::parse_date(std::string(item).substr(0, 10))) return date->iso();
    }
    return date_from_name(path);
}

ImageStack::ImageStack(const std::vector<std::string>& paths, const AlignOptions& align) : align_(align) {
    if (paths.empty()) throw InputError("no images given");
    io::DatasetCache files;  // an image named twice is opened once
    for (const auto& path : paths) {
        const auto dataset = files.open(path);
        GDALDataset& ds = *dataset;
        const int count = ds.GetRasterCount();
        ImageSignature signature;
        signature.band_count = count;
        signature.band_roles.assign(count, "");
        signature.date = image_date(ds, path);

        // Roles by the suite's one rule (descriptions, else a 6-band stack in role order).
        io::ReflectanceReader bands = io::ReflectanceReader::stack(files, path);
        for (size_t i = 0; i < bands.bands().size(); ++i)
            signature.band_roles[bands.bands()[i].band - 1] = std::string(io::role_name(io::kReflectanceRoles[i]));

        const io::Grid grid = bands.grid();
        bool warped = false;
        if (images_.empty()) {
            grid_ = grid;
        } else if (!io::same_grid(grid, grid_)) {
            if (!align_.align)
                throw InputError(path + ": grid " + io::describe(grid) + " differs from " + paths.front() +
                                 " (" + io::describe(grid_) + "); use --align to warp it onto that grid");
            warped = true;
        }
        images_.push_back(Image{path, std::move(bands), std::move(signature), warped});
    }
}

io::RasterBlock ImageStack::read(int index, const io::Window& window) {
    const Image& image = images_.at(index);
    if (!image.warped) return image.bands.read(window);
    // Alignment is this stack's own: all six bands in one warp with the chosen
    // method (not the per-band sampler of the training dataset).
    const io::OpenBand& first = image.bands.bands().front();
    io::WarpRequest request;
    request.bands.clear();
    for (const io::OpenBand& b : image.bands.bands()) request.bands.push_back(b.band);
    request.method = align_.method;
    return io::warp_scaled(*first.dataset, image.path, grid_.window(window), request, image.bands.scalings());
}

}  // namespace lssr::crop
