// HLS playlists: reading ffmpeg's media playlists, writing and reading master playlists.
#include <gtest/gtest.h>

#include "media/hls.hpp"

using namespace mc::media;

namespace {

constexpr const char* kMedia =
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    "#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:6.013968,\nseg_00000.m4s\n#EXTINF:5.990748,\nseg_00001.m4s\n"
    "#EXTINF:2.004535,\nseg_00002.m4s\n#EXT-X-ENDLIST\n";

TEST(Hls, parses_a_vod_media_playlist) {
  const hls::MediaPlaylist p = hls::parse_media_playlist(kMedia);
  EXPECT_EQ(p.version, 7);
  EXPECT_EQ(p.target_duration, 6);
  EXPECT_EQ(p.playlist_type, "VOD");
  EXPECT_EQ(p.map_uri, "init.mp4");
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments[1].uri, "seg_00001.m4s");
  EXPECT_DOUBLE_EQ(p.segments[2].duration_s, 2.004535);
  EXPECT_NEAR(p.total_duration_s(), 14.009251, 1e-9);
  EXPECT_TRUE(p.ended);
}

TEST(Hls, rejects_malformed_media_playlists) {
  EXPECT_THROW(hls::parse_media_playlist("#EXTINF:6,\nseg.ts\n"), std::invalid_argument);  // no header
  EXPECT_THROW(hls::parse_media_playlist("#EXTM3U\n#EXT-X-TARGETDURATION:6\nseg.ts\n"),
               std::invalid_argument);
  EXPECT_THROW(hls::parse_media_playlist("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:abc,\nseg.ts\n"),
               std::invalid_argument);
  EXPECT_THROW(hls::parse_media_playlist("#EXTM3U\n#EXTINF:6,\nseg.ts\n"),
               std::invalid_argument);  // no target
}

TEST(Hls, master_lists_the_given_rungs_with_bandwidth_and_codecs) {
  const std::vector<hls::Variant> rungs{{128, 130256, 129946, "mp4a.40.2", {}},
                                        {256, 258223, 257904, "mp4a.40.2", {}}};
  const std::string text = hls::master_playlist(rungs, [](const hls::Variant& v) {
    return "https://cdn.example/t/1/" + std::to_string(v.kbps) + "/index.m3u8?sig=a,b";
  });
  EXPECT_EQ(text,
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=130256,AVERAGE-BANDWIDTH=129946,CODECS=\"mp4a.40.2\"\n"
            "https://cdn.example/t/1/128/index.m3u8?sig=a,b\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=258223,AVERAGE-BANDWIDTH=257904,CODECS=\"mp4a.40.2\"\n"
            "https://cdn.example/t/1/256/index.m3u8?sig=a,b\n");
  const hls::MasterPlaylist parsed = hls::parse_master_playlist(text);
  EXPECT_TRUE(parsed.independent_segments);
  ASSERT_EQ(parsed.variants.size(), 2u);
  EXPECT_EQ(parsed.variants[0].bandwidth, 130256);
  EXPECT_EQ(parsed.variants[0].average_bandwidth, 129946);
  EXPECT_EQ(parsed.variants[1].codecs, "mp4a.40.2");
  EXPECT_EQ(parsed.variants[1].uri, "https://cdn.example/t/1/256/index.m3u8?sig=a,b");
}

TEST(Hls, master_refuses_what_would_break_the_playlist) {
  const std::vector<hls::Variant> rungs{{128, 130000, 0, "mp4a.40.2", {}}};
  EXPECT_THROW(hls::master_playlist({}, [](const hls::Variant&) { return "x"; }), std::invalid_argument);
  EXPECT_THROW(hls::master_playlist(rungs, [](const hls::Variant&) { return "a\n#EXT-X-ENDLIST"; }),
               std::invalid_argument);
  EXPECT_THROW(hls::master_playlist(rungs, [](const hls::Variant&) { return ""; }), std::invalid_argument);
  EXPECT_THROW(hls::master_playlist({{128, 0, 0, "mp4a.40.2", {}}}, [](const hls::Variant&) { return "x"; }),
               std::invalid_argument);
  EXPECT_EQ(hls::master_playlist(rungs, [](const hls::Variant&) { return "128/index.m3u8"; }),
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=130000,CODECS=\"mp4a.40.2\"\n128/index.m3u8\n");
}

TEST(Hls, peak_segment_bit_rate_follows_rfc_8216) {
  // Two 6 s segments of 96 kB and 120 kB, then a 2 s tail of 50 kB: the tail alone is too short to
  // count (< 3 s), but with its neighbour (8 s, 170 kB) it does.
  const std::vector<double> d{6.0, 6.0, 2.0};
  const std::vector<std::uint64_t> b{96000, 120000, 50000};
  EXPECT_EQ(hls::peak_segment_bit_rate(d, b, 6.0), 170000);            // 170 kB × 8 / 8 s
  EXPECT_EQ(hls::peak_segment_bit_rate({2.0}, {50000}, 6.0), 200000);  // shorter than any window: the whole
}

}  // namespace

TEST(HlsRungs, the_lossless_rung_has_a_directory_of_its_own_and_numbers_stay_numbers) {
  EXPECT_EQ(mc::media::hls::rung_dir(128), "128");
  EXPECT_EQ(mc::media::hls::rung_dir(mc::media::hls::kLosslessRung), "lossless");
  EXPECT_EQ(mc::media::hls::rung_of_dir("256"), 256);
  EXPECT_EQ(mc::media::hls::rung_of_dir("320"), 320);  // legacy versions
  EXPECT_EQ(mc::media::hls::rung_of_dir("lossless"), mc::media::hls::kLosslessRung);
  for (const char* bad : {"", "1000", "0", "-1", "12a", "Lossless", "lossless/"}) {
    EXPECT_EQ(mc::media::hls::rung_of_dir(bad), 0) << bad;
  }
}
