// One logging layer over SC_REPORT, used by every model. The message type is the
// module's hierarchical name; the text is formatted only when its level is on.
// Output goes to stderr as "[level time] path: message" so stdout stays free
// for the guest's UART output and the report table. Repeats are rate-limited
// (see log_message).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace vp {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };

void set_log_level(LogLevel level);
LogLevel log_level();
inline bool log_enabled(LogLevel level) {
    return static_cast<int>(level) <= static_cast<int>(log_level());
}
bool parse_log_level(const std::string& text, LogLevel& out);

// printf-style formatting into a std::string.
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Routes to SC_REPORT_{ERROR,WARNING,INFO}. An error also ends the run through
// SimControl::fail (never an exception escaping into the kernel).
// Rate limit: of each message kind (level, where, and the format string
// `kind`; the text itself when kind is null) the first kLogRepeatLimit are
// shown, the rest only counted, so a guest cannot flood stderr (a guest
// writing junk to a device in a loop). Errors are never suppressed.
constexpr unsigned kLogRepeatLimit = 20;
void log_message(LogLevel level, const std::string& where, const std::string& text,
                 const char* kind = nullptr);

// One line per rate-limited kind: "<where>: <n> more like '<kind>' not shown".
// Empty when nothing was suppressed.
std::vector<std::string> log_suppressed_summary();
// Prints the summary to stderr (as warnings) and clears the counts;
// install_report_handler() arranges for it to run at exit as well.
void flush_log_summary();
// Forgets the counts (tests).
void reset_log_limits();

// Installs the report handler that prints as above (vp_run and tools call it once).
void install_report_handler();

}  // namespace vp

#define VP_LOG_FORMAT_OF(fmt, ...) fmt
#define VP_LOG_AT(level, where, ...)                                     \
    do {                                                                 \
        if (::vp::log_enabled(level))                                    \
            ::vp::log_message(level, (where), ::vp::format(__VA_ARGS__), \
                              VP_LOG_FORMAT_OF(__VA_ARGS__, ""));        \
    } while (0)
#define VP_LOG_ERROR(where, ...) VP_LOG_AT(::vp::LogLevel::error, where, __VA_ARGS__)
#define VP_LOG_WARN(where, ...) VP_LOG_AT(::vp::LogLevel::warn, where, __VA_ARGS__)
#define VP_LOG_INFO(where, ...) VP_LOG_AT(::vp::LogLevel::info, where, __VA_ARGS__)
#define VP_LOG_DEBUG(where, ...) VP_LOG_AT(::vp::LogLevel::debug, where, __VA_ARGS__)
