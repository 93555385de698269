#include "libsynth/product_names.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace lssr::io::synth {
namespace {

std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* pattern, ...) {
    char buffer[256];
    va_list args;
    va_start(args, pattern);
    std::vsnprintf(buffer, sizeof buffer, pattern, args);
    va_end(args);
    return buffer;
}

Date shifted(const Date& d, int days) { return Date::from_days(d.days() + days); }

// Absolute orbit counters on reference dates, advanced at each platform's rate.
long orbit(long reference, const Date& reference_date, const Date& date, double per_day) {
    return reference + std::lround(static_cast<double>(days_between(reference_date, date)) * per_day);
}

}  // namespace

ProductNames product_names(const Date& date, int index) {
    ProductNames n;
    const Date reference{2021, 6, 26};
    const bool s2b = index % 2 == 1;
    const long s2_orbit = orbit(s2b ? 22691 : 31534, reference, date, 14.3);
    const std::string day = date.compact();
    n.s2_safe = format("%s_MSIL2A_%sT170901_N0500_R069_T15TVG_%sT212001.SAFE", s2b ? "S2B" : "S2A",
                       day.c_str(), day.c_str());
    n.s2_granule = format("L2A_T15TVG_A%06ld_%sT171234", s2_orbit, day.c_str());
    n.s2_band_prefix = format("T15TVG_%sT170901", day.c_str());

    n.landsat_date = shifted(date, 1);
    const bool landsat9 = index % 2 == 1 && !(n.landsat_date < Date{2021, 10, 31});
    n.landsat_id = format("%s_L2SP_026031_%s_%s_02_T1", landsat9 ? "LC09" : "LC08",
                          n.landsat_date.compact().c_str(), shifted(n.landsat_date, 10).compact().c_str());

    n.l30_date = shifted(date, 2);
    n.l30_granule = format("HLS.L30.T15TVG.%04d%03dT165432.v2.0", n.l30_date.year, n.l30_date.day_of_year());
    n.s30_granule = format("HLS.S30.T15TVG.%04d%03dT170901.v2.0", date.year, date.day_of_year());

    n.s1_date = shifted(date, -1);
    const Date s1_reference{2021, 6, 25};
    const long days = static_cast<long>(days_between(s1_reference, n.s1_date));
    const long s1_orbit = orbit(38512, s1_reference, n.s1_date, 175.0 / 12.0);
    const long datatake = (0x048B4E + 97 * days) & 0xFFFFFF;
    const long crc = (0x1A2B + 0x3C7 * days) & 0xFFFF;
    const std::string s1_day = n.s1_date.compact();
    n.s1_id = format("S1A_IW_GRDH_1SDV_%sT001512_%sT001537_%06ld_%06lX_%04lX", s1_day.c_str(), s1_day.c_str(),
                     s1_orbit, datatake, crc);
    return n;
}

}  // namespace lssr::io::synth
