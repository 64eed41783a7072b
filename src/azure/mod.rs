//! Reading tenants: export files (and, later, live ARM and Resource Graph scans) into snapshots.
