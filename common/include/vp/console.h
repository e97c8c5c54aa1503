// The guest's console: where the UART's transmit register and semihosting's
// console calls write. Text goes to stdout a line at a time (so it interleaves
// cleanly with the host's own output) and is kept for the report.
#pragma once

#include <cstddef>
#include <iostream>
#include <ostream>
#include <string>

namespace vp {

class Console {
  public:
    void put(char ch);
    void write(const char* data, std::size_t size);
    void flush();  // ends a pending partial line

    const std::string& transcript() const { return m_transcript; }
    std::size_t bytes() const { return m_transcript.size(); }

    void set_echo(std::ostream* out) { m_out = out; }  // nullptr: keep only
    void clear();

  private:
    std::ostream* m_out = &std::cout;
    std::string m_line;
    std::string m_transcript;
};

// The process-wide console (one platform per process).
Console& console();

}  // namespace vp
