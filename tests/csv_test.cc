// The numeric CSV reader versus uses as the floor of the load-time ops: it reads what the exporter
// writes back to the same bytes, and names every malformed line (its number and what is wrong)
// instead of skipping it or returning part of the table.
#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.h"
#include "data/csv_table.h"
#include "data/dataset.h"
#include "test_util.h"

namespace versus::data {
namespace {

namespace fs = std::filesystem;

std::string error_of(std::string_view text, int64_t columns, bool header = false) {
  try {
    (void)parse_csv_numbers(text, columns, header, "f.csv");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(CsvNumbers, ReadsRowsOfNumbersWithOrWithoutHeaderAndWindowsLineEnds) {
  const CsvNumbers t = parse_csv_numbers("1,2,3\n4,5.5,-6e1\r\n7,8,9", 3, false, "f.csv");
  EXPECT_EQ(t.rows, 3);
  EXPECT_EQ(t.values, (std::vector<float>{1, 2, 3, 4, 5.5f, -60, 7, 8, 9}));
  const CsvNumbers h = parse_csv_numbers("a,b\n1,2\n", 2, true, "f.csv");
  EXPECT_EQ(h.rows, 1);
  EXPECT_EQ(h.values, (std::vector<float>{1, 2}));
}

TEST(CsvNumbers, NamesTheLineAndTheFaultOfEveryMalformedRow) {
  EXPECT_EQ(error_of("1,2,3\n4,5\n", 3), "f.csv line 2: 2 columns, expected 3");
  EXPECT_EQ(error_of("1,2,3\n4,5,6,7\n", 3), "f.csv line 2: 4 columns, expected 3");
  EXPECT_EQ(error_of("1,2,3\n4,x,6\n", 3), "f.csv line 2 column 2: 'x' is not a number");
  EXPECT_EQ(error_of("1,2,3\n4,,6\n", 3), "f.csv line 2 column 2: '' is not a number");
  EXPECT_EQ(error_of("1,2,3\n4,5 ,6\n", 3), "f.csv line 2 column 2: '5 ' is not a number");
  EXPECT_EQ(error_of("1,2,3\n4,nan,6\n", 3), "f.csv line 2 column 2: 'nan' is not a number");
  EXPECT_EQ(error_of("1,2,3\n\n4,5,6\n", 3), "f.csv line 2: empty line (expected 3 comma-separated numbers)");
  EXPECT_EQ(error_of("1,2,3\n4,5", 3), "f.csv line 2: 2 columns, expected 3 (the file ends inside this line: truncated?)");
  EXPECT_EQ(error_of("1,2,3\n4,", 3), "f.csv line 2 column 2: '' is not a number (the file ends inside this line: truncated?)");
  EXPECT_EQ(error_of("label,a,b\n1,2,3\n4,5\n", 3, true), "f.csv line 3: 2 columns, expected 3");
  EXPECT_EQ(error_of("", 3), "f.csv: no data lines");
  EXPECT_EQ(error_of("label,a,b", 3, true), "f.csv: no line after the header");
}

TEST(CsvNumbers, ImageRowsRoundTripThroughTheEncoderWithTheLabelFirst) {
  const std::string labels = {3, 9}, pixels = {0, 1, 127, char(255), 0, 0, 7, char(200)};
  const std::string text = encode_image_csv(labels, pixels, false);
  EXPECT_EQ(text, "3,0,1,127,255\n9,0,0,7,200\n");
  const CsvNumbers t = parse_csv_numbers(text, 5, false, "f.csv");
  EXPECT_EQ(t.values, (std::vector<float>{3, 0, 1, 127, 255, 9, 0, 0, 7, 200}));
  EXPECT_EQ(encode_image_csv(std::string{char(1)}, std::string{char(2), char(3)}, true), "label,pixel1,pixel2\n1,2,3\n");
}

TEST(CsvNumbers, ExportedFashionMnistReadsBackAsTheDatasetsBytes) {
  const versus::testing::TempDir tmp;
  const fs::path dir = tmp.path();
  write_synthetic_dataset("fashion-mnist", dir / "idx", 5, 30, 10);
  const Dataset ds = load_dataset("fashion-mnist", dir / "idx");
  const std::vector<fs::path> files = export_image_csv(ds, dir / "csv", true);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].filename(), "fashion-mnist_train.csv");
  const CsvNumbers t = read_csv_numbers(files[0], 785, true);
  ASSERT_EQ(t.rows, 30);
  for (int64_t r = 0; r < t.rows; ++r) {
    ASSERT_EQ(t.values[r * 785], ds.train.labels[r]) << "row " << r;
    for (int64_t i = 0; i < 784; ++i)
      ASSERT_EQ(t.values[r * 785 + 1 + i] / 255.0f, ds.train.samples[r * 784 + i]) << "row " << r << " pixel " << i;
  }
  EXPECT_EQ(read_csv_numbers(files[1], 785, true).rows, 10);
}

TEST(CsvNumbers, ExportRefusesTextDatasets) {
  Dataset imdb;
  imdb.name = "imdb";
  try {
    (void)export_image_csv(imdb, "/nonexistent", false);
    FAIL() << "exported imdb";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "export --format csv writes image datasets (fashion-mnist, mnist, cifar10), not imdb");
  }
}

}  // namespace
}  // namespace versus::data
