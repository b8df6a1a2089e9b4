#include <doctest/doctest.h>

#include <mbus/han/hdlc.hpp>

#include <variant>

using namespace mbus;

namespace {

// An Aidon list 1 push with a raw 7D in its FCS (toreamun/amshan tests/test_hdlc.py; corpus entry
// amshan_hdlc_aidon_list1_unescaped_7d).
const bytes aidon_list1{
    0x7E,                                           // flag
    0xA0, 0x2A,                                     // format type 3, not segmented, length 42
    0x41,                                           // destination address
    0x08, 0x83,                                     // source address (2 bytes)
    0x13,                                           // control: UI, final
    0x04, 0x13,                                     // HCS
    0xE6, 0xE7, 0x00,                               // LLC
    0x0F, 0x40, 0x00, 0x00, 0x00, 0x00,             // data notification, invoke id, date-time absent
    0x01, 0x01, 0x02, 0x03,                         // array[1] of structure[3]
    0x09, 0x06, 0x01, 0x00, 0x01, 0x07, 0x00, 0xFF, // OBIS 1.0.1.7.0.255
    0x06, 0x00, 0x00, 0x06, 0x7D,                   // uint32 1661 (W)
    0x02, 0x02, 0x0F, 0x00, 0x16, 0x1B,             // scaler 0, unit W
    0x1C, 0x05,                                     // FCS
    0x7E,                                           // flag
};

// A Kaifa list 1 push with a raw 7E inside its information field (corpus
// amshan_hdlc_kaifa_list1_unescaped_7e): a reader that splits on flags cuts it in two.
const bytes kaifa_list1{
    0x7E, 0xA0, 0x27,                               // flag, format, length 39
    0x01, 0x02, 0x01, 0x10,                         // destination 01, source 02 01, control 10
    0x5A, 0x87,                                     // HCS
    0xE6, 0xE7, 0x00, 0x0F, 0x40, 0x00, 0x00, 0x00, // LLC, data notification, invoke id
    0x09, 0x0C, 0x07, 0xE4, 0x02, 0x0F, 0x06, 0x01, 0x19, 0x22, 0xFF, 0x80, 0x00, 0x00, // date-time
    0x02, 0x01, 0x06, 0x00, 0x00, 0x15, 0x7E, // structure[1]: uint32 5502
    0xEA, 0x5E,                               // FCS
    0x7E,                                     // flag
};

} // namespace

TEST_CASE("han hdlc decodes a real Aidon frame") {
    auto f = han::decode_hdlc(aidon_list1);
    REQUIRE(f);
    CHECK_FALSE(f->segmented);
    CHECK(f->destination == bytes{0x41});
    CHECK(f->source == bytes{0x08, 0x83});
    CHECK(f->control == 0x13);
    CHECK(f->information.size() == 42 - 2 - 1 - 2 - 1 - 2 - 2);
    CHECK(f->information[0] == 0xE6);
    CHECK(han::encode_hdlc(*f).value() == aidon_list1);
}

TEST_CASE("han hdlc decodes a frame with a raw 7E inside by its length") {
    auto f = han::decode_hdlc(kaifa_list1);
    REQUIRE(f);
    CHECK(f->source == bytes{0x02, 0x01});
    CHECK(f->control == 0x10);
    CHECK(han::encode_hdlc(*f).value() == kaifa_list1);
}

TEST_CASE("han hdlc reports what is wrong") {
    auto bad = aidon_list1;
    bad[bad.size() - 2] ^= 0x01;
    CHECK(han::decode_hdlc(bad).error() == han::errc::bad_fcs);
    bad = aidon_list1;
    bad[4] ^= 0x02; // source address byte, extension bit kept: the HCS no longer matches
    CHECK(han::decode_hdlc(bad).error() == han::errc::bad_hcs);
    bad = aidon_list1;
    bad.front() = 0x7F;
    CHECK(han::decode_hdlc(bad).error() == han::errc::bad_flag);
    bad = aidon_list1;
    bad.back() = 0x00;
    CHECK(han::decode_hdlc(bad).error() == han::errc::bad_flag);
    bad = aidon_list1;
    bad[1] = 0x80;
    CHECK(han::decode_hdlc(bad).error() == han::errc::bad_format);
    bad = aidon_list1;
    bad.pop_back();
    CHECK(han::decode_hdlc(bad).error() == han::errc::truncated);
    bad = aidon_list1;
    bad.insert(bad.end() - 1, 0x00);
    CHECK(han::decode_hdlc(bad).error() == han::errc::bad_length);
    bad = aidon_list1;
    bad[3] = 0x40; // destination without its end bit: runs into the source address
    bad[4] = 0x08;
    bad[5] = 0x82;
    bad[6] = 0x12;
    CHECK(han::decode_hdlc(bad).error() == han::errc::bad_address);
}

TEST_CASE("han hdlc encodes a frame without information with the FCS only") {
    const han::hdlc_frame f{false, {0x03}, {0x21}, 0x93, {}};
    const auto out = han::encode_hdlc(f).value();
    REQUIRE(out.size() == 9); // flag, format (2), addresses, control, FCS (2), flag
    CHECK(out[1] == 0xA0);
    CHECK(out[2] == 0x07);
    CHECK(han::decode_hdlc(out).value() == f);
    CHECK_FALSE(han::encode_hdlc({false, {0x02}, {0x21}, 0x13, {}})); // address without end bit
}

TEST_CASE("han hdlc splitter finds frames among junk flags and bad frames") {
    auto bad = aidon_list1;
    bad[20] ^= 0xFF;          // FCS no longer matches
    bytes stream{0x00, 0x11}; // junk before
    stream.insert(stream.end(), kaifa_list1.begin(), kaifa_list1.end());
    stream.insert(stream.end(), aidon_list1.begin(), aidon_list1.end()); // back to back: 7E 7E
    stream.insert(stream.end(), bad.begin(), bad.end());
    stream.push_back(0x55); // junk between
    stream.insert(stream.end(), aidon_list1.begin() + 1,
                  aidon_list1.end()); // a frame without its opening flag
    stream.insert(stream.end(), aidon_list1.begin(), aidon_list1.end());

    // Feed a byte at a time: the result must not depend on how the bytes arrive.
    han::hdlc_splitter one_by_one;
    std::vector<han::hdlc_event> events;
    for (byte b : stream)
        for (auto& e : one_by_one.feed(bytes_view(&b, 1))) {
            // Junk arrives in as many pieces as it was fed in: join neighbours.
            auto* junk = std::get_if<han::hdlc_junk>(&e);
            auto* last = events.empty() ? nullptr : std::get_if<han::hdlc_junk>(&events.back());
            if (junk != nullptr && last != nullptr)
                last->data.insert(last->data.end(), junk->data.begin(), junk->data.end());
            else
                events.push_back(std::move(e));
        }
    han::hdlc_splitter whole;
    CHECK(whole.feed(stream) == events);
    CHECK(one_by_one.pending() == 1); // the last closing flag, kept as a possible opening flag

    REQUIRE(events.size() == 6);
    CHECK(std::get<han::hdlc_junk>(events[0]).data == bytes{0x00, 0x11});
    CHECK(std::get<han::hdlc_good_frame>(events[1]).data == kaifa_list1);
    CHECK(std::get<han::hdlc_good_frame>(events[2]).data == aidon_list1);
    CHECK(std::get<han::hdlc_bad_frame>(events[3]).error == han::errc::bad_fcs);
    // 55 A0 2A ... 7E: not a frame (no opening flag), so junk up to the flag that opens the last one.
    const auto& junk = std::get<han::hdlc_junk>(events[4]).data;
    CHECK(junk.size() == 1 + aidon_list1.size() - 2);
    CHECK(std::get<han::hdlc_good_frame>(events[5]).frame == han::decode_hdlc(aidon_list1).value());
}

TEST_CASE("han hdlc splitter recovers from a cut frame") {
    bytes stream(aidon_list1.begin(), aidon_list1.begin() + 20); // cut short
    stream.insert(stream.end(), kaifa_list1.begin(), kaifa_list1.end());
    stream.insert(stream.end(), kaifa_list1.begin(), kaifa_list1.end());
    han::hdlc_splitter s;
    const auto events = s.feed(stream);
    std::size_t good = 0, bad = 0;
    for (const auto& e : events) {
        good += std::holds_alternative<han::hdlc_good_frame>(e) ? 1U : 0U;
        bad += std::holds_alternative<han::hdlc_bad_frame>(e) ? 1U : 0U;
    }
    CHECK(bad >= 1);
    CHECK(good >= 1); // the cut frame's length swallows the first Kaifa frame; the second survives
    CHECK(std::holds_alternative<han::hdlc_good_frame>(events.back()));
    CHECK(std::get<han::hdlc_good_frame>(events.back()).data == kaifa_list1);
}

TEST_CASE("han hdlc segments and reassembles a long information field") {
    bytes info(300);
    for (std::size_t i = 0; i < info.size(); ++i)
        info[i] = static_cast<byte>(i);
    const han::hdlc_frame header{false, {0x41}, {0x08, 0x83}, 0x13, {}};
    const auto frames = han::segment(header, info, 128);
    REQUIRE(frames.size() == 3);
    CHECK(frames[0].segmented);
    CHECK(frames[1].segmented);
    CHECK_FALSE(frames[2].segmented);
    CHECK(frames[2].information.size() == 300 - 256);

    const auto wire = han::encode_hdlc(frames[0]).value();
    CHECK(wire[1] == 0xA8); // type 3 with the S bit

    han::hdlc_reassembler r;
    CHECK_FALSE(r.push(han::decode_hdlc(wire).value()));
    CHECK(r.in_progress());
    CHECK_FALSE(r.push(frames[1]));
    const auto whole = r.push(frames[2]);
    REQUIRE(whole);
    CHECK(*whole == info);
    CHECK_FALSE(r.in_progress());
}
