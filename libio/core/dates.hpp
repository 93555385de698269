#pragma once
// Calendar dates (proleptic Gregorian, UTC) as products name them.
#include <optional>
#include <string>
#include <string_view>

namespace lssr::io {

struct Date {
    int year = 1970, month = 1, day = 1;

    // Days since 1970-01-01.
    long long days() const;
    static Date from_days(long long days);
    // From year + day of year (1-based), as HLS names carry them. Throws std::invalid_argument.
    static Date from_day_of_year(int year, int day_of_year);
    int day_of_year() const;
    std::string iso() const;  // YYYY-MM-DD
    std::string compact() const;  // YYYYMMDD

    friend bool operator==(const Date& a, const Date& b) { return a.days() == b.days(); }
    friend bool operator<(const Date& a, const Date& b) { return a.days() < b.days(); }
};

// "YYYYMMDD" or "YYYY-MM-DD"; nullopt when malformed or not a real calendar day.
std::optional<Date> parse_date(std::string_view text);

// Whole days from a to b (b - a).
inline long long days_between(const Date& a, const Date& b) { return b.days() - a.days(); }

}  // namespace lssr::io
