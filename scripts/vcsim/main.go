// A small front end to govmomi's vSphere simulator (the simulator package that Debian ships
// in golang-github-vmware-govmomi-dev, which has no vcsim command of its own). Its flags
// carry vcsim's names and defaults, so tests and scripts can swap one for the other;
// `-load DIR` serves a recording of a real vCenter or host made by `govc object.save`.
// It prints the service URL, credentials included, as its first line of output.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/simulator/esx"
)

func main() {
	listen := flag.String("l", "127.0.0.1:8989", "listen address")
	esxMode := flag.Bool("esx", false, "serve a standalone ESX host (HostAgent) instead of a vCenter")
	useTLS := flag.Bool("tls", true, "serve https with a self-signed certificate; false for plain http")
	user := flag.String("username", "user", "login user name")
	pass := flag.String("password", "pass", "login password")

	// The inventory counts of vcsim's command line.
	dc := flag.Int("dc", 1, "datacenters")
	clusters := flag.Int("cluster", 1, "clusters per datacenter")
	hosts := flag.Int("host", 3, "hosts per cluster")
	standalone := flag.Int("standalone-host", 1, "standalone hosts per datacenter")
	vms := flag.Int("vm", 2, "virtual machines per resource pool")
	datastores := flag.Int("ds", 1, "local datastores")
	pools := flag.Int("pool", 1, "resource pools per compute resource")
	folders := flag.Int("folder", 0, "folders per datacenter root folder")
	apps := flag.Int("app", 0, "virtual apps per compute resource")
	pods := flag.Int("pod", 0, "storage pods per datacenter")
	portgroups := flag.Int("pg", 1, "port groups")
	load := flag.String("load", "", "serve the inventory in DIR, as `govc object.save -d DIR` records it, instead of a generated one")
	flag.Parse()

	var model *simulator.Model
	if *load != "" {
		// The recording says what it is (vCenter or ESX); the counts do not apply.
		model = simulator.VPX()
		if *esxMode {
			model = simulator.ESX()
		}
	} else if *esxMode {
		model = simulator.ESX()
	} else {
		model = simulator.VPX()
		model.Datacenter = *dc
		model.Cluster = *clusters
		model.ClusterHost = *hosts
		model.Host = *standalone
		model.Datastore = *datastores
		model.Pool = *pools
		model.Folder = *folders
		model.App = *apps
		model.Pod = *pods
		model.Portgroup = *portgroups
	}
	model.Machine = *vms
	var err error
	if *load != "" {
		err = model.Load(*load)
	} else {
		err = model.Create()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vcsim:", err)
		os.Exit(1)
	}
	defer model.Remove()

	simulator.DefaultLogin = url.UserPassword(*user, *pass)
	model.Service.TLS = nil
	if *useTLS {
		model.Service.TLS = new(tls.Config)
	}
	model.Service.Listen = &url.URL{Host: *listen}
	server := model.Service.NewServer()
	defer server.Close()
	fmt.Println(server.URL.String())

	done := make(chan os.Signal, 1)
	signal.Notify(done, os.Interrupt, syscall.SIGTERM)
	<-done
}
