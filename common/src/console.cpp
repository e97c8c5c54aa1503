#include "vp/console.h"

namespace vp {

void Console::put(char ch) {
    m_transcript.push_back(ch);
    m_line.push_back(ch);
    if (ch == '\n') flush();
}

void Console::write(const char* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i)
        put(data[i]);
}

void Console::flush() {
    if (m_line.empty()) return;
    if (m_out) {
        *m_out << m_line;
        m_out->flush();
    }
    m_line.clear();
}

void Console::clear() {
    m_line.clear();
    m_transcript.clear();
}

Console& console() {
    static Console c;
    return c;
}

}  // namespace vp
