#include <doctest/doctest.h>

#include <mbus/app/dif.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/meaning_errc.hpp>

#include <iterator>
#include <vector>

using namespace mbus;
using namespace mbus::app;

namespace {
dib make_dib(std::vector<byte> b) {
    dib d;
    d.dif = b.at(0);
    d.dife.assign(b.begin() + 1, b.end());
    return d;
}
} // namespace

TEST_CASE("dif reads function storage tariff subunit and coding") {
    const auto plain = describe(make_dib({0x04})); // DIF: int32, instantaneous, storage 0
    CHECK(plain == dib_meaning{function_kind::instantaneous, 0, 0, 0, data_coding::int32});

    const auto err = describe(make_dib({0x3B})); // DIF: bcd6, value during error state
    CHECK(err.function == function_kind::error_state);
    CHECK(err.coding == data_coding::bcd6);

    const auto stored = describe(make_dib({0x42})); // DIF: int16, storage bit 0 set
    CHECK(stored.storage == 1);

    // Sharky 775 (libmbus issue 145): tariff 1 and storage 1 tariff 2.
    CHECK(describe(make_dib({0x8C, 0x10})).tariff == 1); // DIF bcd8 + ext, DIFE tariff bits = 01
    const auto st = describe(make_dib({0xCC, 0x20}));    // DIF bcd8 + storage bit + ext, DIFE tariff 10
    CHECK(st.storage == 1);
    CHECK(st.tariff == 2);

    // pyMeterBus test_hyd: subunit 1, then subunit 2 in the second DIFE.
    CHECK(describe(make_dib({0x8C, 0x40})).subunit == 1);       // DIFE subunit bit
    CHECK(describe(make_dib({0x8C, 0x80, 0x40})).subunit == 2); // DIFE empty + ext, DIFE subunit bit

    // Elvaco CMa10: DIF 82 DIFE 01 is storage 2 (DIFE storage bits start at bit 1).
    CHECK(describe(make_dib({0x82, 0x01})).storage == 2);

    // pyMeterBus test_dib: DIF DA and 10 DIFE with every field bit set.
    const auto full = describe(make_dib({0xDA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}));
    CHECK(full.storage == 2199023255551u); // 41 bits
    CHECK(full.tariff == 1048575u);        // 20 bits
    CHECK(full.subunit == 1023u);          // 10 bits
    CHECK(full.function == function_kind::maximum);
    CHECK(full.coding == data_coding::bcd4);
}

TEST_CASE("dif encodes the shortest DIB and reads it back") {
    // Storage 1 fits DIF bit 6; storage 2 needs a DIFE.
    CHECK(encode_dib({function_kind::instantaneous, 1, 0, 0, data_coding::int16}).value() ==
          make_dib({0x42}));
    CHECK(encode_dib({function_kind::instantaneous, 2, 0, 0, data_coding::int16}).value() ==
          make_dib({0x82, 0x01})); // DIF ext, DIFE storage bits 1-4 = 0001
    CHECK(encode_dib({function_kind::maximum, 0, 0, 0, data_coding::int32}).value() == make_dib({0x14}));
    CHECK(encode_dib({function_kind::instantaneous, 0, 0, 2, data_coding::bcd8}).value() ==
          make_dib({0x8C, 0x80, 0x40})); // DIF, DIFE (ext, nothing), DIFE subunit bit 1
    CHECK(encode_dib({function_kind::instantaneous, 5, 3, 0, data_coding::int8}).value() ==
          make_dib({0xC1, 0x32})); // DIF storage bit 0 + ext, DIFE tariff 11 storage 0010
    CHECK(encode_dib({function_kind::maximum, max_storage, max_tariff, max_subunit, data_coding::bcd4})
              .value() == make_dib({0xDA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}));

    // Every DIF without extension round-trips, but for the special ones (coding F).
    for (unsigned dif = 0; dif < 0x80; ++dif) {
        if ((dif & 0x0F) == 0x0F) continue;
        const auto d = make_dib({static_cast<byte>(dif)});
        CHECK(encode_dib(describe(d)).value() == d);
    }
    // A spread of storage, tariff and subunit values.
    const std::uint64_t storages[] = {0, 1, 2, 31, 32, 1000, 123456789, max_storage};
    const std::uint32_t tariffs[] = {0, 1, 3, 4, 77, max_tariff};
    const std::uint16_t subunits[] = {0, 1, 2, 513, 1023};
    for (const auto storage : storages)
        for (const auto tariff : tariffs)
            for (const auto subunit : subunits) {
                const dib_meaning m{function_kind::error_state, storage, tariff, subunit,
                                    data_coding::real32};
                const auto d = encode_dib(m);
                REQUIRE(d);
                CHECK(d->dife.size() <= 10);
                CHECK(describe(*d) == m);
            }
}

TEST_CASE("dif keeps the DIFE 00 padding some meters send") {
    // EDC (libmbus test frame): DIF 84 DIFE 00 says nothing DIF 04 would not.
    const auto edc = describe(make_dib({0x84, 0x00})); // DIF int32 + ext, DIFE all zero
    CHECK(edc.min_dife == 1);
    CHECK(encode_dib(edc).value() == make_dib({0x84, 0x00}));
    // Berg DZ+: DIF 8E DIFE B0 00 is tariff 3 with one DIFE to spare.
    const auto berg = describe(make_dib({0x8E, 0xB0, 0x00})); // DIF bcd12 + ext, DIFE tariff 3 + ext, DIFE 00
    CHECK(berg.tariff == 3);
    CHECK(berg.min_dife == 2);
    CHECK(encode_dib(berg).value() == make_dib({0x8E, 0xB0, 0x00}));
    // A canonical DIB describes with min_dife 0.
    CHECK(describe(make_dib({0x8E, 0x30})).min_dife == 0);
    dib_meaning too_many;
    too_many.min_dife = 11;
    CHECK(encode_dib(too_many).error() == meaning_errc::dib_out_of_range);
}

TEST_CASE("dif refuses what a DIB cannot hold") {
    CHECK(encode_dib({function_kind::instantaneous, max_storage + 1, 0, 0, data_coding::int8}).error() ==
          meaning_errc::dib_out_of_range);
    CHECK(encode_dib({function_kind::instantaneous, 0, max_tariff + 1, 0, data_coding::int8}).error() ==
          meaning_errc::dib_out_of_range);
    CHECK(encode_dib({function_kind::instantaneous, 0, 0, 1024, data_coding::int8}).error() ==
          meaning_errc::dib_out_of_range);
    CHECK(encode_dib({function_kind::instantaneous, 0, 0, 0, data_coding::special}).error() ==
          errc::invalid_value);
}

TEST_CASE("dif coding sizes and names") {
    CHECK(coding_size(data_coding::int24) == 3u);
    CHECK(coding_size(data_coding::real32) == 4u);
    CHECK(coding_size(data_coding::bcd12) == 6u);
    CHECK(coding_size(data_coding::selection) == 0u);
    CHECK_FALSE(coding_size(data_coding::variable));
    CHECK(name(data_coding::bcd8) == "bcd8");
    CHECK(coding_from_name("BCD8") == data_coding::bcd8);
    CHECK(coding_from_name("real") == data_coding::real32);
    CHECK_FALSE(coding_from_name("int12"));
    CHECK(function_from_name("max") == function_kind::maximum);
    CHECK(function_from_name("error") == function_kind::error_state);
    CHECK(description(function_kind::error_state) == "Value during error state");
}

TEST_CASE("more records follow when the last record is DIF 1F") {
    auto rec = [](byte dif) { return record{dib{dif, {}}, std::nullopt, {}}; };
    variable_data v;
    CHECK_FALSE(more_records_follow(v)); // no records at all
    v.records = {record{dib{0x04, {}}, vib{0x13, {}, {}}, {0x01, 0x00, 0x00, 0x00}}, rec(0x1F)};
    CHECK(more_records_follow(v));
    CHECK(more_records_follow(user_data{v}));
    v.records.back() = rec(special_dif::manufacturer_specific); // 0F: manufacturer data, no more
    CHECK_FALSE(more_records_follow(v));
    v.records = {rec(0x1F), rec(0x2F)}; // only the last record counts
    CHECK_FALSE(more_records_follow(v));
    CHECK_FALSE(more_records_follow(user_data{fixed_data{}}));
}
