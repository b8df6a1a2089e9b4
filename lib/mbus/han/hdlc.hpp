#pragma once
// HDLC frames as HAN meters push them (IEC 62056-46, frame format type 3):
//
//   7E | format (2) | destination (1-4) | source (1-4) | control | HCS (2) | information | FCS (2) | 7E
//
// The format field is 1010 S LLLLLLLLLLL: type 3 (A), the segmentation bit S (more segments follow)
// and an 11-bit length counting every byte between the flags. An address byte's lowest bit is 1 on
// its last byte. HCS covers format .. control, FCS everything between the flags but itself; a frame
// without information field has only the FCS. Meters do not byte-stuff 7E or 7D inside the frame
// (the corpus has both), so readers frame by the length field, as this code does.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <variant>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/han/errc.hpp>

namespace mbus::han {

inline constexpr byte hdlc_flag = 0x7E;
inline constexpr std::size_t max_frame_length = 0x7FF; // the 11-bit length field

struct hdlc_frame {
    bool segmented = false; // the S bit: more segments of this information field follow
    bytes destination;      // as sent, extension bit included (Aidon 41, Kaifa 01, Kamstrup 2B)
    bytes source;           // as sent (Aidon 08 83, Kaifa 02 01, Kamstrup 21)
    byte control = 0x13;    // UI frame with the final bit (13), or 10 as Kaifa sends it
    bytes information;      // for a data notification: E6 E7 00 then the APDU (first segment)
    bool operator==(const hdlc_frame&) const = default;
};
std::ostream& operator<<(std::ostream& os, const hdlc_frame& f);

// One whole frame, flags included.
result<hdlc_frame> decode_hdlc(bytes_view frame);

// The frame with flags, length, HCS and FCS. errc::bad_value when it exceeds the 11-bit length or
// an address is empty, longer than 4 bytes or its extension bits are wrong.
result<bytes> encode_hdlc(const hdlc_frame& f);

// Splits an information field into frames of at most `max_information` bytes each, with `header`'s
// addresses and control; every one but the last has the segmentation bit.
std::vector<hdlc_frame> segment(const hdlc_frame& header, bytes_view information,
                                std::size_t max_information);

// Bytes as they come off the line: frames back to back (with one or two flags between them), junk
// between frames, bad and cut frames. feed() returns what the new bytes complete, in order; a frame
// that fails its checks is reported and the splitter resynchronises on the next 7E after its start.
struct hdlc_junk {
    bytes data; // bytes that are no frame (never a lone inter-frame flag)
    bool operator==(const hdlc_junk&) const = default;
};
struct hdlc_bad_frame {
    std::error_code error;
    bytes data; // from the opening flag to where the frame should have ended
    bool operator==(const hdlc_bad_frame&) const = default;
};
struct hdlc_good_frame {
    hdlc_frame frame;
    bytes data; // as received, flags included
    bool operator==(const hdlc_good_frame&) const = default;
};
using hdlc_event = std::variant<hdlc_good_frame, hdlc_bad_frame, hdlc_junk>;

class hdlc_splitter {
  public:
    std::vector<hdlc_event> feed(bytes_view data);
    // Bytes held back waiting for the rest of a frame.
    std::size_t pending() const noexcept { return buffer_.size(); }

  private:
    bytes buffer_;
};

// Joins segmented information fields (IEC 62056-46 6.4.4.4.3): frames with the S bit are held until
// one without it from the same source arrives; returns the whole information field then.
class hdlc_reassembler {
  public:
    std::optional<bytes> push(const hdlc_frame& f);
    bool in_progress() const noexcept { return !parts_.empty(); }

  private:
    bytes source_;
    bytes parts_;
};

} // namespace mbus::han
