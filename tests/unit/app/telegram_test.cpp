// app/telegram: the raw application layer as values: what equality compares and what each type
// prints (the log and `mbus-sim decode` show these words).

#include <mbus/app/codec.hpp>
#include <mbus/app/telegram.hpp>

#include <doctest/doctest.h>

#include <sstream>
#include <string>

using namespace mbus;
using namespace mbus::app;

namespace {

template <class T>
std::string printed(const T& x) {
    std::ostringstream os;
    os << x;
    return os.str();
}

const secondary_address kam_water{0x12345678, 0x2C2D, 0x01, 0x07}; // 12345678 KAM version 1 water

} // namespace

TEST_CASE("app record printing") {
    CHECK(printed(record{dib{0x8C, {0x10}}, vib{0xFC, {0x48}, {0x74}}, {0x01, 0x02}}) ==
          "{DIF 8C DIFE 10 VIF FC text [48] VIFE 74 data 01 02}");
    // VIF 7C with empty text still shows where the text would be; DIF 2F has no VIB and no data.
    CHECK(printed(record{dib{0x02, {}}, vib{0x7C, {}, {}}, {}}) == "{DIF 02 VIF 7C text []}");
    CHECK(printed(record{dib{0x2F, {}}, std::nullopt, {}}) == "{DIF 2F}");
}

TEST_CASE("app secondary address and header printing") {
    CHECK(printed(kam_water) == "12345678 KAM ver=01 med=07");
    CHECK(printed(header{kam_water, 0x2A, 0x10, 0xBEEF}) ==
          "12345678 KAM ver=01 med=07 acc=2A st=10 sig=BEEF");
    CHECK(printed(header{std::nullopt, 0x01, 0x00, 0x0000}) == "acc=01 st=00 sig=0000");
}

TEST_CASE("app user data printing names the kind") {
    const variable_data v{ci::variable_long,
                          header{kam_water, 0x00, 0x00, 0x0000},
                          {record{dib{0x0C, {}}, vib{0x13, {}, {}}, {0x78, 0x56, 0x34, 0x12}}}};
    CHECK(printed(user_data{v}) == "variable CI 72 12345678 KAM ver=01 med=07 acc=00 st=00 sig=0000 records "
                                   "1 {DIF 0C VIF 13 data 78 56 34 12}");
    CHECK(printed(user_data{fixed_data{ci::fixed, 0x12345678, 0x05, 0x00, 0x3169, 0x65, 0x69}}) ==
          "fixed CI 73 id=12345678 acc=05 st=00 mu=3169 c1=00000065 c2=00000069");
    CHECK(printed(user_data{application_error{}}) == "application error");
    CHECK(printed(user_data{application_error{0x01}}) == "application error status=01");
    CHECK(printed(user_data{other_data{ci::data_send, {0x01, 0x7A, 0x08}}}) == "CI 51 data [01 7A 08]");
}

TEST_CASE("app values compare every field") {
    record a{dib{0x04, {}}, vib{0x13, {}, {}}, {0x01, 0x00, 0x00, 0x00}};
    record b = a;
    CHECK(a == b);
    b.vib->vife.push_back(0x3E); // the same VIF with a VIFE is another quantity
    CHECK(a != b);
    b = a;
    b.vib.reset();
    CHECK(a != b);
    header h{kam_water, 0, 0, 0};
    header no_address = h;
    no_address.address.reset(); // CI 7A: the same numbers without the address
    CHECK(h != no_address);
    CHECK(variable_data{ci::variable_long, h, {a}} != variable_data{ci::variable_short, h, {a}});
    CHECK(user_data{application_error{}} != user_data{other_data{ci::app_error, {}}});
}

TEST_CASE("app values round-trip through the codec") {
    const variable_data v{ci::variable_short,
                          header{std::nullopt, 0x07, 0x00, 0x0000},
                          {record{dib{0x04, {}}, vib{0x13, {}, {}}, {0x10, 0x27, 0x00, 0x00}}}};
    const auto e = encode(user_data{v});
    CHECK(e.ci == ci::variable_short);
    CHECK(e.data == bytes{
                        0x07, 0x00, 0x00, 0x00, // access number 7, status, signature
                        0x04, 0x13,             // DIF 32-bit integer, VIF volume in litres
                        0x10, 0x27, 0x00, 0x00, // 10000
                    });
    const auto back = decode(e.ci, e.data);
    REQUIRE(back);
    CHECK(*back == user_data{v});
}
