// contentstack-mock as a Testcontainers module: `new ContentstackMockContainer().start()`
// runs the image with ephemeral data, waits for `/_mock/health`, and gives the mock's URL
// and the kit's `stack()`. Needs the `testcontainers` package (an optional peer).
'use strict'

const { Mock } = require('./kit.js')

let testcontainers
try {
  testcontainers = require('testcontainers')
} catch (error) {
  throw new Error(`contentstack-mock/testcontainers needs the testcontainers package: npm install --save-dev testcontainers (${error.message})`)
}
const { AbstractStartedContainer, GenericContainer, Wait } = testcontainers

/** The image of docker/compose.yaml. */
const DEFAULT_IMAGE = 'ghcr.io/contentstack-mock/contentstack-mock:latest'
const PORT = 8484

class ContentstackMockContainer extends GenericContainer {
  constructor (image = DEFAULT_IMAGE) {
    super(image)
    this.withExposedPorts(PORT)
      .withEnvironment({ CSMOCK_LISTEN: `0.0.0.0:${PORT}`, CSMOCK_EPHEMERAL: 'true' })
      .withWaitStrategy(Wait.forHttp('/_mock/health', PORT).forStatusCode(200))
      .withStartupTimeout(60000)
  }

  withAdminToken (token) {
    this.adminToken = token
    return this.withEnvironment({ CSMOCK_ADMIN_TOKEN: token })
  }

  async start () {
    return new StartedContentstackMockContainer(await super.start(), this.adminToken)
  }
}

class StartedContentstackMockContainer extends AbstractStartedContainer {
  constructor (started, adminToken) {
    super(started)
    this.mock = new Mock({ url: this.getUrl(), adminToken })
  }

  getPort () {
    return this.getMappedPort(PORT)
  }

  getUrl () {
    return `http://${this.getHost()}:${this.getPort()}`
  }

  stack (options) {
    return this.mock.stack(options)
  }
}

module.exports = { ContentstackMockContainer, StartedContentstackMockContainer, DEFAULT_IMAGE }
