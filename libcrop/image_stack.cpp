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
    for (const auto& path : paths) {
        Image image;
        image.path = path;
        image.dataset = io::open_raster(path);
        GDALDataset& ds = *image.dataset;
        const int count = ds.GetRasterCount();
        image.signature.band_count = count;
        image.signature.band_roles.assign(count, "");
        image.signature.date = image_date(ds, path);

        // Roles by the suite's one rule (descriptions, else a 6-band stack in role order).
        const auto by_role = io::reflectance_bands(ds, path);
        for (size_t i = 0; i < by_role.size(); ++i) {
            image.bands.push_back(by_role[i]);
            image.signature.band_roles[by_role[i] - 1] = std::string(io::role_name(io::kReflectanceRoles[i]));
            image.scalings.push_back(
                io::resolve_scaling(*ds.GetRasterBand(by_role[i]), io::BandScaling{}).scaling);
        }

        const io::Grid grid = io::grid_of(ds, path);
        if (images_.empty()) {
            grid_ = grid;
        } else if (!io::same_grid(grid, grid_)) {
            if (!align_.align)
                throw InputError(path + ": grid " + io::describe(grid) + " differs from " + paths.front() +
                                 " (" + io::describe(grid_) + "); use --align to warp it onto that grid");
            image.warped = true;
        }
        images_.push_back(std::move(image));
    }
}

io::RasterBlock ImageStack::read(int index, const io::Window& window) {
    Image& image = images_.at(index);
    if (!image.warped)
        return io::read_scaled(*image.dataset, image.bands, image.scalings, window, image.path);
    io::WarpRequest request;
    request.bands = image.bands;
    request.method = align_.method;
    return io::warp_scaled(*image.dataset, image.path, grid_.window(window), request, image.scalings);
}

}  // namespace lssr::crop
