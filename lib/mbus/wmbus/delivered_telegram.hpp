#pragma once
// A telegram as a receiver hands it to the host: L field first, the data link CRCs already checked
// and removed (the iM871A and the AMB8465 both do that). The simulator may give us a frame with or
// without its format A block CRCs; this makes it the former.

#include <mbus/core/bytes.hpp>

namespace mbus::wmbus {

// `frame` starts with L. When it holds exactly L + 1 bytes it is returned as it is; when it has the
// size of a format A frame with block CRCs (EN 13757-4: a first block of 10 bytes, then blocks of
// 16, each followed by its CRC), the CRCs are checked and removed. A CRC error gives
// receiver_errc::bad_crc (a real receiver drops such a telegram); any other size gives
// receiver_errc::telegram_length.
result<bytes> without_block_crcs(bytes_view frame);

} // namespace mbus::wmbus
