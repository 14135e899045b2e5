/** The private memory of one agent task. */
export function agentNamespace(missionId: string, taskId: string): string {
  return `agent:${missionId}:${taskId}`;
}

/** The memory shared by every task of a mission. */
export function missionNamespace(missionId: string): string {
  return `mission:${missionId}`;
}
