// One logging layer over SC_REPORT, used by every model. The message type is the
// module's hierarchical name; the text is formatted only when its level is on.
// Output goes to stderr as "[level time] path: message" so stdout stays free
// for the guest's UART output and the report table.
#pragma once

#include <cstdio>
#include <string>

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
void log_message(LogLevel level, const std::string& where, const std::string& text);

// Installs the report handler that prints as above (vp_run and tools call it once).
void install_report_handler();

}  // namespace vp

#define VP_LOG_AT(level, where, ...)                                      \
    do {                                                                  \
        if (::vp::log_enabled(level))                                     \
            ::vp::log_message(level, (where), ::vp::format(__VA_ARGS__)); \
    } while (0)
#define VP_LOG_ERROR(where, ...) VP_LOG_AT(::vp::LogLevel::error, where, __VA_ARGS__)
#define VP_LOG_WARN(where, ...) VP_LOG_AT(::vp::LogLevel::warn, where, __VA_ARGS__)
#define VP_LOG_INFO(where, ...) VP_LOG_AT(::vp::LogLevel::info, where, __VA_ARGS__)
#define VP_LOG_DEBUG(where, ...) VP_LOG_AT(::vp::LogLevel::debug, where, __VA_ARGS__)
