#pragma once
// What is wrong with a scenario file, one finding each, with where it is: the file, the line and
// column of the offending value (or key), and the key path in the scenario ("meter[2].record[0].unit",
// indices from 0). A loader collects every finding instead of stopping at the first.

#include <iosfwd>
#include <string>

namespace mbus::scenario {

struct diagnostic {
    std::string file; // as the user named it, or a model path joined to its including file's folder
    int line{0};      // from 1; 0 when the finding has no place in the text (a file that cannot be read)
    int column{0};    // from 1
    std::string key;  // empty for the file as a whole (TOML syntax errors, a missing file)
    std::string message;
    friend bool operator==(const diagnostic&, const diagnostic&) = default;
};

// "plant.toml:14:9: meter[2].record[0].unit: unknown unit \"kwhr\"; did you mean \"kWh\"?", as
// compilers print errors (editors jump to the place). Parts that are not known are left out; control
// characters (a name with a newline) are escaped (mbus::printable), so one finding is one line.
std::string to_string(const diagnostic& d);
std::ostream& operator<<(std::ostream& os, const diagnostic& d);

} // namespace mbus::scenario
