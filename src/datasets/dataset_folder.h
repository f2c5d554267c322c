// What the catalog knows about one Clara dataset folder, read from its files.
#pragma once

#include <filesystem>
#include <string>

#include "core/expected.h"
#include "core/label_map.h"
#include "datasets/dataset_store.h"

namespace viscera {

// Reads the folder (io/clara_dataset_reader.h) into a record with the given id: display name,
// image dimensions and spacing, the label ids present in the mask with names from the folder's
// labels.json (io/label_names.h format) or, failing that, the stats.json segmentation writes
// ("" when neither names an id), the bytes of its files, and `created` = now. Errors are
// ReadClaraDataset's, naming the folder's files.
Expected<DatasetRecord> DescribeDatasetFolder(const std::filesystem::path& folder,
                                              const std::string& id);

// Bytes of the regular files under `folder`, recursively (symbolic links not followed).
int64_t FolderBytes(const std::filesystem::path& folder);

// {"1": "spleen", ...} for every entry of the table, the format io/label_names.h reads.
std::string LabelNamesJson(const LabelTable& table);

}  // namespace viscera
