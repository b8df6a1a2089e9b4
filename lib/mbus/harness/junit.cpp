#include <mbus/harness/junit.hpp>

#include <fmt/format.h>

namespace mbus::harness {

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
            // XML 1.0 allows tab, newline and carriage return of the C0 controls, and no other.
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
                out += '?';
            else
                out += c;
        }
    }
    return out;
}

std::string to_junit(const junit_report& r) {
    std::size_t failures = r.master_failure ? 1 : 0;
    for (const auto& v : r.verdicts)
        if (!v.held) ++failures;
    const auto suite = xml_escape(r.suite);
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format("<testsuites name=\"mbus-sim test\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
                       r.verdicts.size() + 1, failures, r.seconds);
    out +=
        fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3f}\">\n",
                    suite, r.verdicts.size() + 1, failures, r.seconds);
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\">\n", suite,
                       xml_escape("master: " + r.master), r.seconds);
    if (r.master_failure)
        out += fmt::format("      <failure message=\"{}\">{}</failure>\n", xml_escape(*r.master_failure),
                           xml_escape(r.master_output));
    out += fmt::format("      <system-out>{}</system-out>\n", xml_escape(r.master_output));
    out += "    </testcase>\n";
    for (const auto& v : r.verdicts) {
        auto name = describe(v.what);
        if (!v.what.label.empty()) name = v.what.label + ": " + name;
        out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"0\">\n", suite,
                           xml_escape(name), xml_escape(v.what.where));
        std::string evidence;
        for (const auto& e : v.evidence)
            evidence += evidence_line(e) + "\n";
        if (v.evidence_left_out > 0) evidence += fmt::format("... and {} more\n", v.evidence_left_out);
        if (!v.held)
            out += fmt::format("      <failure message=\"{}\">{}</failure>\n", xml_escape(v.reason),
                               xml_escape(v.reason + "\n" + evidence));
        else
            out += fmt::format("      <system-out>{}</system-out>\n", xml_escape(v.reason + "\n" + evidence));
        out += "    </testcase>\n";
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

} // namespace mbus::harness
