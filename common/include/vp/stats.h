// Hierarchical named statistics. Models keep their counters as plain integers
// in their C++ cores (hot paths add to a uint64_t, nothing more) and register a
// pointer under a dotted path ("cpu.instructions", "dram.read_bytes.cpu").
// The registry reads them when a report is made; paths become nested JSON.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace vp {

class StatsRegistry {
  public:
    // A counter owned by a model; it must outlive the registry's last read.
    void add_counter(const std::string& path, const std::uint64_t* counter, std::string help = {});
    // A value computed when read (ratios, rates).
    void add_value(const std::string& path, std::function<double()> read, std::string help = {});
    void remove_prefix(const std::string& prefix);  // a model that is destroyed
    void clear();

    bool contains(const std::string& path) const { return m_entries.count(path) != 0; }
    double read(const std::string& path) const;  // throws std::out_of_range
    std::size_t size() const { return m_entries.size(); }

    // {"cpu": {"instructions": 12, ...}, ...}; counters stay integers.
    nlohmann::json to_json() const;
    // "path = value  # help" lines, sorted by path.
    std::string to_text() const;

  private:
    struct Entry {
        const std::uint64_t* counter = nullptr;
        std::function<double()> value;
        std::string help;
    };
    void insert(const std::string& path, Entry entry);
    std::map<std::string, Entry> m_entries;
};

// The process-wide registry the SystemC models use (SystemC allows one
// elaboration per process, so one registry per process is the right scope).
StatsRegistry& stats();

}  // namespace vp
