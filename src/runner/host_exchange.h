// Where each rank of a launched job lives. A launcher names one rendezvous host (rank 0's);
// engines that list every task (TensorFlow's cluster spec, ps-lite's workers, Gloo's device)
// need each rank's own address too. Before any framework starts, every rank tells rank 0 the
// address it reaches the rendezvous from, and rank 0 hands every rank the list, by rank.
//
// The exchange is also the job's first reachability check: a rank that cannot reach rank 0, a
// port already taken, or a rank that never comes stops the job here, naming the rank, its host
// and what failed, before any worker runs.
#pragma once
#include <string>
#include <vector>

namespace versus {

// This host's address on the route to `master` (the source address the kernel picks to reach
// it): where the other ranks reach this one.
std::string own_address_toward(const std::string& master);

// Every rank's address, by rank. Rank 0 listens on master:port and answers once all
// `world_size` - 1 others have said who they are; the others connect (retrying until the
// deadline, since rank 0 may start later). Throws UserError within `timeout_seconds` naming the
// rank, host and failure; Interrupted when the user interrupts versus.
std::vector<std::string> exchange_hosts(const std::string& master, int port, int rank, int world_size,
                                        const std::string& mine, double timeout_seconds);

// The first of `count` consecutive ports that are free on this machine now (each bound and
// released), taken below the kernel's ephemeral range (ip_local_port_range), where no outgoing
// connection is ever given one: between the check and the engines' own bind, only another
// process choosing ports the same way can take them. The search starts at a place that
// depends on this process's pid, so concurrent jobs rarely probe the same block.
int free_port_block(int count);

}  // namespace versus
