import Foundation

/// slurm.conf for a one-node Slurm on loopback, as the tests and the factory
/// benchmark start it: auth/none (no munge), state under `directory`, the
/// node oversubscribed so many pilots share two cores, and the scheduler
/// told not to wait between passes.
public enum SlurmConfiguration {
    public static func text(directory: String, controllerPort: Int, nodePort: Int) -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        return """
            ClusterName=panda
            SlurmctldHost=\(host)(127.0.0.1)
            SlurmctldPort=\(controllerPort)
            SlurmdPort=\(nodePort)
            AuthType=auth/none
            CredType=cred/none
            SlurmUser=root
            SlurmdUser=root
            StateSaveLocation=\(directory)/state
            SlurmdSpoolDir=\(directory)/spool
            SlurmctldPidFile=\(directory)/slurmctld.pid
            SlurmdPidFile=\(directory)/slurmd.pid
            SlurmctldLogFile=\(directory)/log/slurmctld.log
            SlurmdLogFile=\(directory)/log/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
            MpiDefault=none
            ReturnToService=2
            NodeName=\(host) NodeAddr=127.0.0.1 CPUs=2 RealMemory=16000 State=UNKNOWN
            PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:10
            """
    }
}
