//! Small utilities shared by the ESX layers: datastore paths, escaping, dates, encodings.
