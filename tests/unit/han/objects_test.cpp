#include <doctest/doctest.h>

#include <mbus/han/objects.hpp>

using namespace mbus;
using han::data;
using han::data_type;

namespace {
data obis_item(std::initializer_list<byte> c) { return data::octets(data_type::octet_string, bytes(c)); }
data u32(std::uint64_t v) { return data::unsigned_integer(data_type::uint32, v); }
data u16(std::uint64_t v) { return data::unsigned_integer(data_type::uint16, v); }
} // namespace

TEST_CASE("han objects Aidon array of structures with scaler and unit") {
    const data body = data::list(
        data_type::array,
        {data::list(data_type::structure,
                    {obis_item({1, 0, 32, 7, 0, 255}), u16(2276),
                     data::list(data_type::structure, {data::integer(data_type::int8, -1),
                                                       data::unsigned_integer(data_type::enumeration, 35)})}),
         data::list(data_type::structure,
                    {obis_item({1, 1, 0, 2, 129, 255}),
                     data::octets(data_type::visible_string,
                                  {'A', 'I', 'D', 'O', 'N', '_', 'V', '0', '0', '0', '1'})})});
    const auto l = han::objects_of(body).value();
    CHECK(l.layout == han::body_layout::array_of_structures);
    REQUIRE(l.objects.size() == 2);
    CHECK(l.objects[0].code->str() == "1.0.32.7.0.255");
    CHECK(l.objects[0].number() == doctest::Approx(227.6));
    CHECK(han::unit_name(l.objects[0].scaling->unit) == "V");
    CHECK(l.list_identifier() == "AIDON_V0001");
    CHECK(l.make() == "Aidon");
    CHECK(han::body_of(l) == body);
}

TEST_CASE("han objects Kamstrup pairs with the list identifier and absent phases") {
    const data body =
        data::list(data_type::structure,
                   {data::octets(data_type::visible_string,
                                 {'K', 'a', 'm', 's', 't', 'r', 'u', 'p', '_', 'V', '0', '0', '0', '1'}),
                    obis_item({1, 1, 31, 7, 0, 255}), u32(896), // IL1 in 0.01 A
                    data{}, data{},                             // IL2 absent on a 1-phase meter
                    obis_item({1, 1, 32, 7, 0, 255}), u16(225)});
    const auto l = han::objects_of(body).value();
    CHECK(l.layout == han::body_layout::obis_value_pairs);
    REQUIRE(l.objects.size() == 4);
    CHECK(l.objects[0].source == han::code_source::list_identifier);
    CHECK(l.objects[0].code->str() == "1.1.0.2.129.255");
    CHECK(l.objects[2].source == han::code_source::absent);
    CHECK_FALSE(l.objects[2].code);
    CHECK(l.find(*han::obis::parse("1.1.32.7.0.255"))->value.as_integer() == 225);
    CHECK(l.make() == "Kamstrup");
    CHECK(han::body_of(l) == body);

    const data odd = data::list(data_type::structure, {obis_item({1, 1, 31, 7, 0, 255})});
    CHECK(han::objects_of(odd).error() == han::errc::bad_value);
}

// KFM_001 list 2, 3-phase: 13 values in the order of roarfred/AmsToMqttBridge obisdata.md.
TEST_CASE("han objects Kaifa values by position") {
    std::vector<data> items{data::octets(data_type::octet_string, {'K', 'F', 'M', '_', '0', '0', '1'}),
                            data::octets(data_type::octet_string, bytes(16, '6')),
                            data::octets(data_type::octet_string, {'M', 'A', '3', '0', '4', 'H', '3', 'E'})};
    for (std::uint64_t v = 0; v < 10; ++v)
        items.push_back(u32(v));
    const data body = data::list(data_type::structure, items);
    const auto l = han::objects_of(body).value();
    CHECK(l.layout == han::body_layout::positional);
    REQUIRE(l.objects.size() == 13);
    CHECK(l.objects[3].code->str() == "1.0.1.7.0.255");
    CHECK(l.objects[7].code->str() == "1.0.31.7.0.255");
    CHECK(l.objects[12].code->str() == "1.0.72.7.0.255");
    CHECK(l.make() == "Kaifa");
    CHECK(han::body_of(l) == body);

    CHECK(han::kfm_001_list(1).size() == 1);
    CHECK(han::kfm_001_list(9)[8].str() == "1.0.32.7.0.255"); // 1-phase: UL1 after IL1
    CHECK(han::kfm_001_list(14)[9].str() == "0.0.1.0.0.255");
    CHECK(han::kfm_001_list(18)[13].str() == "0.0.1.0.0.255");
    CHECK(han::kfm_001_list(5).empty());
}

TEST_CASE("han objects OBIS text") {
    CHECK(han::obis::parse("1.0.1.8.0.255")->code == std::array<std::uint8_t, 6>{1, 0, 1, 8, 0, 255});
    CHECK(han::obis::parse("1-0:1.8.0*255")->str() == "1.0.1.8.0.255");
    CHECK_FALSE(han::obis::parse("1.0.1.8.0"));
    CHECK_FALSE(han::obis::parse("1.0.1.8.0.256"));
    CHECK_FALSE(han::obis::parse("1.0.1.8.0.255x"));
}
