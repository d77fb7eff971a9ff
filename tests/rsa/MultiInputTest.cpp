// Input ports that take several datasets ("multiple": true): the manifest
// field, checkInputs, inputsOf, and openMultipleInput's ordering of a file's
// or a folder's datasets (HDF5 layer_order, natural name order).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/hdf5/H5.h"
#include "plugins/PluginManager.h"
#include "plugins/Runner.h"
#include "tests/support/TestSupport.h"

using namespace nl::plugins;
using nl::io::DatasetKind;

namespace {

PluginDescriptor mappingDescriptor() {
  return PluginDescriptor::fromManifest(nlohmann::json::parse(R"({
    "id": "test.multi", "version": "1", "api_version": 1,
    "inputs": [
      {"name": "layers", "kinds": ["FeatureMatrix", "Array"], "multiple": true},
      {"name": "trials", "kinds": ["ResponseMatrix"], "multiple": true, "optional": true},
      {"name": "labels", "kinds": ["Table"], "optional": true}],
    "outputs": [{"name": "x", "kind": "Array"}]})"));
}

nl::io::DatasetPtr array(const std::string& name, DatasetKind kind = DatasetKind::FeatureMatrix) {
  return std::make_shared<nl::io::ArrayDataset>(kind, name, std::vector<std::size_t>{2, 1},
                                                std::vector<double>{1, 2});
}

std::string runError(const PluginDescriptor& descriptor, const Inputs& inputs) {
  try {
    checkInputs(descriptor, inputs);
  } catch (const RunError& error) {
    return error.what();
  }
  return {};
}

}  // namespace

TEST(MultiInput, ManifestFieldIsParsedAndExported) {
  const auto d = mappingDescriptor();
  ASSERT_EQ(d.inputs.size(), 3u);
  EXPECT_TRUE(d.inputs[0].multiple);
  EXPECT_FALSE(d.inputs[2].multiple);
  const auto json = d.toJson();
  EXPECT_EQ(json["inputs"][0]["multiple"], true);
  EXPECT_EQ(json["inputs"][2]["multiple"], false);
  // Old manifests without the field keep single ports.
  const auto old = PluginDescriptor::fromManifest(nlohmann::json::parse(
      R"({"id": "o", "version": "1", "api_version": 1, "inputs": [{"name": "a", "kinds": "Array"}]})"));
  EXPECT_FALSE(old.inputs[0].multiple);
}

TEST(MultiInput, IndexedKeysAreCheckedAndReturnedInOrder) {
  const auto d = mappingDescriptor();
  Inputs inputs;
  for (std::size_t i = 0; i < 12; ++i)  // ≥ 10: "layers#10" sorts before "layers#2" in the map
    inputs[multipleInputKey("layers", i)] = array("l" + std::to_string(i));
  EXPECT_EQ(runError(d, inputs), "");
  const auto layers = inputsOf(inputs, "layers");
  ASSERT_EQ(layers.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(layers[i]->name(), "l" + std::to_string(i));
  EXPECT_TRUE(inputsOf(inputs, "trials").empty());

  // A single dataset may come under the plain name; single ports work with inputsOf too.
  Inputs plain{{"layers", array("only")},
               {"labels", std::make_shared<nl::io::TableDataset>(DatasetKind::Table, "t",
                                                                 std::vector<nl::io::Column>{})}};
  EXPECT_EQ(runError(d, plain), "");
  ASSERT_EQ(inputsOf(plain, "layers").size(), 1u);
  ASSERT_EQ(inputsOf(plain, "labels").size(), 1u);
}

TEST(MultiInput, BadInputMapsGetClearMessages) {
  const auto d = mappingDescriptor();
  EXPECT_NE(runError(d, {}).find("'layers' is required"), std::string::npos);
  EXPECT_NE(
      runError(d, {{"layers#0", array("a")}, {"layers#2", array("c")}}).find("without 'layers#1'"),
      std::string::npos);
  EXPECT_NE(runError(d, {{"layers#1", array("b")}}).find("without 'layers#0'"), std::string::npos);
  EXPECT_NE(runError(d, {{"layers", array("a")}, {"layers#0", array("b")}}).find("both"),
            std::string::npos);
  const auto wrongKind = runError(
      d, {{"layers#0", array("a")}, {"layers#1", array("r", DatasetKind::ResponseMatrix)}});
  EXPECT_NE(wrongKind.find("'layers#1' must be FeatureMatrix, Array"), std::string::npos)
      << wrongKind;
  EXPECT_NE(
      runError(d, {{"layers#0", array("a")}, {"labels#0", array("x")}}).find("takes one dataset"),
      std::string::npos);
  EXPECT_NE(runError(d, {{"layers#0", array("a")}, {"nothing#0", array("x")}})
                .find("no input 'nothing#0'"),
            std::string::npos);
  EXPECT_NE(
      runError(d, {{"layers#0", array("a")}, {"layers#x", array("x")}}).find("no input 'layers#x'"),
      std::string::npos);
}

TEST(MultiInput, Hdf5LayerOrderAttributeAndNaturalNameOrder) {
  nl::test::TempDir dir;
  auto write = [&](const std::string& name, const std::vector<std::string>* order,
                   const std::string* commaList) {
    auto file = nl::io::h5::File::create(dir / name);
    const auto root = file.root();
    for (const char* layer : {"conv10", "conv2", "conv1", "fc"})
      root.writeDoubles(layer, {1, 2, 3, 4}, {2, 2});
    if (order) root.setAttribute("layer_order", *order);
    if (commaList) root.setAttribute("layer_order", *commaList);
    file.close();
  };
  auto names = [](const std::vector<nl::io::DatasetPtr>& datasets) {
    std::vector<std::string> out;
    for (const auto& d : datasets) out.push_back(d->name());
    return out;
  };
  write("natural.h5", nullptr, nullptr);
  EXPECT_EQ(names(openMultipleInput({dir / "natural.h5", {}})),
            (std::vector<std::string>{"/conv1", "/conv2", "/conv10", "/fc"}));
  const std::vector<std::string> order{"fc", "/conv10", "conv1"};
  write("array.h5", &order, nullptr);
  EXPECT_EQ(names(openMultipleInput({dir / "array.h5", {}})),
            (std::vector<std::string>{"/fc", "/conv10", "/conv1"}));
  const std::string list = "conv2, conv1 ,fc";
  write("list.h5", nullptr, &list);
  EXPECT_EQ(names(openMultipleInput({dir / "list.h5", {}})),
            (std::vector<std::string>{"/conv2", "/conv1", "/fc"}));
  const std::string missing = "conv1,pool5";
  write("missing.h5", nullptr, &missing);
  try {
    openMultipleInput({dir / "missing.h5", {}});
    ADD_FAILURE() << "a layer_order naming a missing dataset was accepted";
  } catch (const nl::io::FileError& error) {
    EXPECT_NE(std::string(error.what()).find("pool5"), std::string::npos) << error.what();
  }
  // FILE::PATH picks one dataset whatever the order says.
  EXPECT_EQ(names(openMultipleInput({dir / "array.h5", "/conv2"})),
            (std::vector<std::string>{"/conv2"}));
}

TEST(MultiInput, FolderOfNpyFilesInNaturalOrder) {
  nl::test::TempDir dir;
  for (const char* name : {"layer10.npy", "layer2.npy", "layer1.npy"})
    nl::test::writeBytes(dir / name,
                         nl::test::npyBytes(1,
                                            "{'descr': '<f8', 'fortran_order': False, 'shape': "
                                            "(2, 3), }",
                                            nl::test::rawBytes(std::vector<double>(6, 1.5))));
  nl::test::writeBytes(dir / "notes.md", "notes, not data\n");
  const auto datasets = openMultipleInput({dir.path(), {}});
  ASSERT_EQ(datasets.size(), 3u);
  EXPECT_EQ(datasets[0]->name(), "layer1");
  EXPECT_EQ(datasets[1]->name(), "layer2");
  EXPECT_EQ(datasets[2]->name(), "layer10");
  nl::test::TempDir empty;
  EXPECT_THROW(openMultipleInput({empty.path(), {}}), nl::io::FileError);
}
