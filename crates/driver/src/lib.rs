//! The ESX driver.
