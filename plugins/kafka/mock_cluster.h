// ss_cluster: an embedded librdkafka mock cluster for demos, smoke tests and fault injection.
#pragma once

#include <streamsubmit/testing.h>

namespace streamsubmit::kafka {

const ss_cluster_api *mock_cluster_api();

} // namespace streamsubmit::kafka
