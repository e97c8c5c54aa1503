// The one logging layer: levels, the SC_REPORT handler, repeat rate limits.
#include "vp/log.h"

#include <cstdarg>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <vector>

#include <systemc>

#include "vp/sim_control.h"

namespace vp {

namespace {
LogLevel g_level = LogLevel::warn;

const char* level_name(sc_core::sc_severity s) {
    switch (s) {
        case sc_core::SC_INFO:
            return "info";
        case sc_core::SC_WARNING:
            return "warn";
        case sc_core::SC_ERROR:
            return "error";
        default:
            return "fatal";
    }
}

void report_handler(const sc_core::sc_report& rep, const sc_core::sc_actions& actions) {
    if (actions & sc_core::SC_DISPLAY) {
        std::cerr << '[' << level_name(rep.get_severity());
        if (sc_core::sc_get_status() & (sc_core::SC_RUNNING | sc_core::SC_PAUSED))
            std::cerr << ' ' << sc_core::sc_time_stamp().to_default_time_units() << " ns";
        std::cerr << "] " << rep.get_msg_type() << ": " << rep.get_msg() << std::endl;
    }
    if (rep.get_severity() >= sc_core::SC_ERROR) {
        // Kernel errors (and ours) end the run cleanly with one line.
        SimControl::fail(std::string(rep.get_msg_type()) + ": " + rep.get_msg());
    }
    if (actions & sc_core::SC_ABORT) std::abort();
}
}  // namespace

void set_log_level(LogLevel level) {
    g_level = level;
    int verbosity = level == LogLevel::debug  ? sc_core::SC_DEBUG
                    : level == LogLevel::info ? sc_core::SC_MEDIUM
                                              : sc_core::SC_LOW;
    sc_core::sc_report_handler::set_verbosity_level(verbosity);
}

LogLevel log_level() {
    return g_level;
}

bool parse_log_level(const std::string& text, LogLevel& out) {
    if (text == "error")
        out = LogLevel::error;
    else if (text == "warn")
        out = LogLevel::warn;
    else if (text == "info")
        out = LogLevel::info;
    else if (text == "debug")
        out = LogLevel::debug;
    else
        return false;
    return true;
}

std::string format(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = std::vsnprintf(nullptr, 0, fmt, ap);
    va_end(ap);
    std::string out;
    if (n > 0) {
        std::vector<char> buf(static_cast<std::size_t>(n) + 1);
        std::vsnprintf(buf.data(), buf.size(), fmt, ap2);
        out.assign(buf.data(), static_cast<std::size_t>(n));
    }
    va_end(ap2);
    return out;
}

namespace {
struct KindCount {
    std::string where, kind;
    std::uint64_t seen = 0;
};
std::map<std::string, KindCount>& log_counts() {
    // Never destroyed: flush_log_summary runs at exit, after static destructors.
    static auto* counts = new std::map<std::string, KindCount>;
    return *counts;
}
bool g_flush_at_exit = false;
}  // namespace

std::vector<std::string> log_suppressed_summary() {
    std::vector<std::string> lines;
    for (const auto& entry : log_counts()) {
        const KindCount& c = entry.second;
        if (c.seen <= kLogRepeatLimit) continue;
        lines.push_back(c.where + ": " + std::to_string(c.seen - kLogRepeatLimit) + " more like '" +
                        c.kind + "' not shown");
    }
    return lines;
}

void flush_log_summary() {
    for (const std::string& line : log_suppressed_summary())
        std::cerr << "[warn] " << line << '\n';
    std::cerr.flush();
    reset_log_limits();
}

void reset_log_limits() {
    log_counts().clear();
}

void log_message(LogLevel level, const std::string& where, const std::string& text,
                 const char* kind) {
    if (level != LogLevel::error) {
        const std::string k = kind ? kind : text;
        KindCount& c =
            log_counts()[std::to_string(static_cast<int>(level)) + '\0' + where + '\0' + k];
        if (c.seen == 0) {
            c.where = where;
            c.kind = k;
        }
        if (++c.seen > kLogRepeatLimit) return;
    }
    switch (level) {
        case LogLevel::error:
            SC_REPORT_ERROR(where.c_str(), text.c_str());
            break;
        case LogLevel::warn:
            SC_REPORT_WARNING(where.c_str(), text.c_str());
            break;
        case LogLevel::info:
            SC_REPORT_INFO_VERB(where.c_str(), text.c_str(), sc_core::SC_LOW);
            break;
        case LogLevel::debug:
            SC_REPORT_INFO_VERB(where.c_str(), text.c_str(), sc_core::SC_LOW);
            break;
    }
}

void install_report_handler() {
    sc_core::sc_report_handler::set_handler(report_handler);
    if (!g_flush_at_exit) {  // the counts of suppressed repeats, once, at the end
        g_flush_at_exit = true;
        std::atexit(flush_log_summary);
    }
    // Errors are handled (logged, run failed), never thrown into the kernel.
    sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_DISPLAY);
    sc_core::sc_report_handler::set_actions(sc_core::SC_FATAL, sc_core::SC_DISPLAY);
    set_log_level(g_level);
}

}  // namespace vp
