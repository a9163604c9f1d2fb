// Compiled (never run) by tests/npm/run.sh with `tsc --noEmit --strict` against the
// installed tarball: the kit's and the Testcontainers module's declarations describe
// how the tests use them.
import { startMock, Mock, Stack, MockError, start } from 'contentstack-mock'
import { ContentstackMockContainer, DEFAULT_IMAGE } from 'contentstack-mock/testcontainers'

export async function kit (): Promise<void> {
  const server = await start({ args: ['--trash-retention', '1d'] })
  const mock: Mock = await startMock({ url: server.url, adminToken: 'token' })
  const stack: Stack = await mock.stack({ name: 'typed', userName: 'Ada', environments: ['development'], rateLimits: true })
  const management: { host: string, port: number, insecure: boolean } = stack.managementClientOptions({ timeout: 1000 })
  const delivery: { apiKey: string, deliveryToken: string, environment: string } = stack.deliveryStackOptions()
  const now: Date = await stack.clock.now()
  const moved = await stack.clock.advance({ days: 1, hours: 2 })
  const purged: string[] = moved.purged.map((item) => item.uid)
  await stack.faults.add({ status: 429, count: 2, path: '/v3/assets', scope: 'management' })
  const snapshot = await stack.snapshot('baseline')
  const bytes: number = snapshot.bytes
  await stack.restore('baseline')
  const journal = await stack.requests({ method: 'GET', pathPrefix: '/v3', status: 200 })
  const took: number | undefined = journal[0]?.duration_ms
  await stack.rateLimits({ enabled: false })
  await stack.reset()
  await stack.delete()
  await mock.stop()
  await server.stop()
  const container = await new ContentstackMockContainer(DEFAULT_IMAGE).withAdminToken('token').start()
  const url: string = container.getUrl()
  const port: number = container.getPort()
  const inContainer: Stack = await container.stack({ name: 'in a container' })
  await container.stop()
  void [management, delivery, now, purged, bytes, took, url, port, inContainer]
}

export function errorCode (error: unknown): number | undefined {
  return error instanceof MockError ? error.errorCode : undefined
}
