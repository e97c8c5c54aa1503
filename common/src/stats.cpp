#include "vp/stats.h"

#include <sstream>
#include <stdexcept>

namespace vp {

namespace {
bool valid_path(const std::string& path) {
    if (path.empty() || path.front() == '.' || path.back() == '.') return false;
    return path.find("..") == std::string::npos;
}
}  // namespace

void StatsRegistry::insert(const std::string& path, Entry entry) {
    if (!valid_path(path)) throw std::invalid_argument("invalid statistic path '" + path + "'");
    // A path may not be both a leaf and a group: JSON could not hold both.
    for (const auto& [other, e] : m_entries) {
        (void)e;
        if (other == path) throw std::invalid_argument("statistic '" + path + "' registered twice");
        if (other.rfind(path + ".", 0) == 0 || path.rfind(other + ".", 0) == 0)
            throw std::invalid_argument("statistic '" + path + "' clashes with '" + other + "'");
    }
    m_entries.emplace(path, std::move(entry));
}

void StatsRegistry::add_counter(const std::string& path, const std::uint64_t* counter,
                                std::string help) {
    if (counter == nullptr) throw std::invalid_argument("null counter for '" + path + "'");
    Entry e;
    e.counter = counter;
    e.help = std::move(help);
    insert(path, std::move(e));
}

void StatsRegistry::add_value(const std::string& path, std::function<double()> read,
                              std::string help) {
    if (!read) throw std::invalid_argument("empty reader for '" + path + "'");
    Entry e;
    e.value = std::move(read);
    e.help = std::move(help);
    insert(path, std::move(e));
}

void StatsRegistry::remove_prefix(const std::string& group) {
    // "npu." names the same group as "npu" (a caller writing the separator
    // must not silently remove nothing).
    std::string prefix = group;
    while (!prefix.empty() && prefix.back() == '.')
        prefix.pop_back();
    if (prefix.empty()) return;
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (it->first == prefix || it->first.rfind(prefix + ".", 0) == 0)
            it = m_entries.erase(it);
        else
            ++it;
    }
}

void StatsRegistry::clear() {
    m_entries.clear();
}

double StatsRegistry::read(const std::string& path) const {
    const Entry& e = m_entries.at(path);
    return e.counter ? static_cast<double>(*e.counter) : e.value();
}

nlohmann::json StatsRegistry::to_json() const {
    nlohmann::json root = nlohmann::json::object();
    for (const auto& [path, e] : m_entries) {
        nlohmann::json* node = &root;
        std::size_t start = 0;
        for (std::size_t dot; (dot = path.find('.', start)) != std::string::npos; start = dot + 1)
            node = &(*node)[path.substr(start, dot - start)];
        const std::string leaf = path.substr(start);
        if (e.counter)
            (*node)[leaf] = *e.counter;
        else
            (*node)[leaf] = e.value();
    }
    return root;
}

std::string StatsRegistry::to_text() const {
    std::ostringstream os;
    for (const auto& [path, e] : m_entries) {
        os << path << " = ";
        if (e.counter)
            os << *e.counter;
        else
            os << e.value();
        if (!e.help.empty()) os << "  # " << e.help;
        os << '\n';
    }
    return os.str();
}

StatsRegistry& stats() {
    static StatsRegistry registry;
    return registry;
}

}  // namespace vp
